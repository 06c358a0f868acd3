import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { renderClip, renderScene, type RgbImage } from '../../src/scenes/renderScene';
import { cellCentre, DEFAULT_BACKGROUND, type Clip, type Scene, type SceneObject } from '../../src/scenes/scene';
import { CANVAS_SIZE, GRID_SIZE } from '../../src/scenes/vocabulary';
import { SCENE_SIDECAR_FORMAT } from '../../../protocol/webview';

/**
 * A workspace of scene-engine pictures and a clip, for the demo (`npm start`) and the
 * real-editor tests: the scenes the bundled model was trained on, so its answers are meaningful,
 * each with the question to ask in QUESTIONS.md and a sidecar `<file>.scene.json` of its objects
 * (the panel's first question asks about those, not about two words of the vocabulary). Also
 * writes a corrupt image (the panel must show an error, not crash). Usage: node out/server/test/tools/sceneWorkspace.js DIR
 */

const at = (colour: SceneObject['colour'], shape: SceneObject['shape'], col: number, row: number, size = 18): SceneObject => ({ colour, shape, size, ...cellCentre(col, row) });
const scene = (...objects: SceneObject[]): Scene => ({ width: CANVAS_SIZE, height: CANVAS_SIZE, background: DEFAULT_BACKGROUND, objects, oneObjectPerCell: true });

export interface WorkspaceItem {
  file: string;
  question: string;
  /** The scene engine's ground truth. */
  answer: string;
}

export const SCENES: { file: string; scene: Scene; question: string; answer: string }[] = [
  { file: 'left-right.png', scene: scene(at('red', 'circle', 0, 1), at('blue', 'square', 2, 2)), question: 'Is the red circle to the left or right of the blue square?', answer: 'left' },
  { file: 'above-below.png', scene: scene(at('green', 'triangle', 2, 0), at('yellow', 'star', 1, 3)), question: 'Is the green triangle above or below the yellow star?', answer: 'above' },
  { file: 'three-objects.png', scene: scene(at('purple', 'heart', 3, 0), at('orange', 'diamond', 0, 3), at('cyan', 'ring', 2, 2)), question: 'Where is the purple heart?', answer: 'row 1 column 4' },
];

export const CLIP: { file: string; clip: Clip; question: string; answer: string } = {
  file: 'appear-order.mp4',
  clip: { scene: scene(at('red', 'circle', 1, 1), at('blue', 'square', 2, 2)), numFrames: 8, appearFrame: [1, 5] },
  question: 'Does the red circle appear before or after the blue square?',
  answer: 'before',
};

export const CORRUPT_IMAGE = 'corrupt.png';

/** The scene's sidecar (protocol/webview.ts SCENE_SIDECAR_FORMAT): its objects in the canvas's pixels, and a clip's appearance frames. */
export function sceneSidecar(scene: Scene, appearFrame?: readonly number[]): string {
  const objects = scene.objects.map((o, i) => ({ colour: o.colour, shape: o.shape, x: o.x, y: o.y, size: o.size, ...(appearFrame ? { appearFrame: appearFrame[i] } : {}) }));
  const sidecar = { format: SCENE_SIDECAR_FORMAT, version: 1, canvas: { width: scene.width, height: scene.height }, grid: scene.grid ?? GRID_SIZE, objects };
  return `${JSON.stringify(sidecar, null, 2)}\n`;
}

function png(image: RgbImage): Promise<Buffer> {
  return sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer();
}

/** Encodes raw RGB frames with the ffmpeg binary the extension ships (4 fps, H.264 in MP4). */
function encodeClip(frames: RgbImage[], file: string): Promise<void> {
  const ffmpeg = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  const { width, height } = frames[0];
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', '4', '-i', '-', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', file], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim()}`))));
    for (const f of frames) child.stdin.write(Buffer.from(f.data));
    child.stdin.end();
  });
}

export async function writeSceneWorkspace(dir: string, opts: { corrupt?: boolean } = {}): Promise<WorkspaceItem[]> {
  await fs.mkdir(dir, { recursive: true });
  const items: WorkspaceItem[] = [];
  for (const s of SCENES) {
    await fs.writeFile(path.join(dir, s.file), await png(await renderScene(s.scene)));
    await fs.writeFile(path.join(dir, `${s.file}.scene.json`), sceneSidecar(s.scene));
    items.push({ file: s.file, question: s.question, answer: s.answer });
  }
  await encodeClip(await renderClip(CLIP.clip), path.join(dir, CLIP.file));
  await fs.writeFile(path.join(dir, `${CLIP.file}.scene.json`), sceneSidecar(CLIP.clip.scene, CLIP.clip.appearFrame));
  items.push({ file: CLIP.file, question: CLIP.question, answer: CLIP.answer });
  if (opts.corrupt) {
    // A PNG signature followed by garbage: recognisably a PNG that no decoder can read.
    await fs.writeFile(path.join(dir, CORRUPT_IMAGE), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 0x5a)]));
  }
  const lines = ['# Scenes to inspect', '', 'Right-click a file in the explorer and choose **Inspect Spatial IDs**, then ask:', '', '| file | question | scene-engine answer |', '| --- | --- | --- |'];
  for (const i of items) lines.push(`| ${i.file} | ${i.question} | ${i.answer} |`);
  await fs.writeFile(path.join(dir, 'QUESTIONS.md'), `${lines.join('\n')}\n`);
  return items;
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node out/server/test/tools/sceneWorkspace.js DIR [--corrupt]');
    process.exit(2);
  }
  writeSceneWorkspace(path.resolve(dir), { corrupt: process.argv.includes('--corrupt') }).then(
    (items) => console.log(`Wrote ${items.length} scenes to ${path.resolve(dir)}`),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}

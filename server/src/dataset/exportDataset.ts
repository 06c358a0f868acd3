import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '../scenes/random';
import { RgbImage, renderClip, renderScene } from '../scenes/renderScene';
import type { Scene } from '../scenes/scene';
import { QUESTION_FAMILIES, questionVocabulary } from '../scenes/questions';
import { CANVAS_SIZE, DEFAULT_FRAMES, GRID_SIZE } from '../scenes/vocabulary';
import { Distribution, TRAINING_DISTRIBUTION, drawClipItem, drawSceneItem, sceneQuestions } from './trainingMixture';
import { bundledPreprocessor, toModelInput } from './modelFrame';

export const DATASET_FORMAT = 'spatial-id-lens/dataset@1';

export interface ExportOptions {
  out: string;
  scenes: number;
  clips: number;
  seed: number;
  /** Which scenes to draw (trainingMixture.ts); the training default is 'widened'. */
  distribution?: Distribution;
  onProgress?: (done: number, total: number) => void;
}

/** Items are rendered this many at a time: sharp renders on its own thread pool. */
const RENDER_BATCH = 16;
/** Clip items draw from a stream apart from scene items, so changing one count never changes the other set. */
const CLIP_STREAM = 0x40000000;

/** Widened items record the canvas they were drawn on (their objects are given in the stored image's pixels). */
function canvasOf(scene: Scene, distribution: Distribution): { canvas?: { width: number; height: number; background: string } } {
  return distribution === 'classic' ? {} : { canvas: { width: scene.width, height: scene.height, background: scene.background.kind } };
}

/**
 * Writes a training set in the folder layout of docs/DATASET-FORMAT.md. Refuses a folder that
 * already holds a dataset: no user file is written over.
 */
export async function exportDataset(opts: ExportOptions): Promise<{ examples: number }> {
  if (fs.existsSync(path.join(opts.out, 'meta.json'))) {
    throw new Error(`${opts.out} already holds a dataset (meta.json): choose an empty folder or delete it first.`);
  }
  const distribution = opts.distribution ?? TRAINING_DISTRIBUTION;
  // widened canvases are resized as the bundled model resizes a user's picture; read its preprocessor before writing anything
  const preprocessor = distribution === 'widened' ? bundledPreprocessor() : undefined;
  const toInput = (image: RgbImage) => (preprocessor ? toModelInput(image, preprocessor) : Promise.resolve(image));
  fs.mkdirSync(opts.out, { recursive: true });
  const examples = fs.openSync(path.join(opts.out, 'examples.jsonl'), 'w');
  const sceneIndex = fs.openSync(path.join(opts.out, 'scenes.jsonl'), 'w');
  let count = 0;
  const total = opts.scenes + opts.clips;
  const writeExamples = (source: 'image' | 'clip', index: number, numObjects: number, qs: ReturnType<typeof sceneQuestions>) => {
    const lines = qs.map((q) => JSON.stringify({ source, index, family: q.family, question: q.question, answer: q.answer, numObjects }) + '\n');
    fs.writeSync(examples, lines.join(''));
    count += qs.length;
  };

  const images = fs.openSync(path.join(opts.out, 'images.u8'), 'w');
  for (let start = 0; start < opts.scenes; start += RENDER_BATCH) {
    const idx = Array.from({ length: Math.min(RENDER_BATCH, opts.scenes - start) }, (_, k) => start + k);
    const drawn = idx.map((i) => {
      return drawSceneItem(distribution, SeededRandom.derive(opts.seed, i));
    });
    const pixels = await Promise.all(drawn.map(async (d) => toInput(await renderScene(d.scene))));
    pixels.forEach((p, k) => {
      const { scene, frame, qs } = drawn[k];
      fs.writeSync(images, p.data);
      fs.writeSync(sceneIndex, JSON.stringify({ source: 'image', index: idx[k], objects: frame.objects, ...canvasOf(scene, distribution) }) + '\n');
      writeExamples('image', idx[k], frame.objects.length, qs);
    });
    opts.onProgress?.(start + idx.length, total);
  }
  fs.closeSync(images);

  const clips = fs.openSync(path.join(opts.out, 'clips.u8'), 'w');
  for (let start = 0; start < opts.clips; start += RENDER_BATCH) {
    const idx = Array.from({ length: Math.min(RENDER_BATCH, opts.clips - start) }, (_, k) => start + k);
    const drawn = idx.map((i) => {
      return drawClipItem(distribution, SeededRandom.derive(opts.seed, CLIP_STREAM + i));
    });
    const frames = await Promise.all(drawn.map(async (d) => Promise.all((await renderClip(d.clip)).map(toInput))));
    frames.forEach((fr, k) => {
      for (const f of fr) fs.writeSync(clips, f.data);
      const { clip, frame, qs } = drawn[k];
      fs.writeSync(sceneIndex, JSON.stringify({ source: 'clip', index: idx[k], objects: frame.scene.objects, appearFrame: clip.appearFrame, ...canvasOf(clip.scene, distribution) }) + '\n');
      writeExamples('clip', idx[k], frame.scene.objects.length, qs);
    });
    opts.onProgress?.(opts.scenes + start + idx.length, total);
  }
  fs.closeSync(clips);
  fs.closeSync(examples);
  fs.closeSync(sceneIndex);

  const meta = {
    format: DATASET_FORMAT,
    imageSize: CANVAS_SIZE,
    channels: 3,
    numFrames: DEFAULT_FRAMES,
    grid: GRID_SIZE,
    seed: opts.seed,
    distribution,
    counts: { images: opts.scenes, clips: opts.clips, examples: count },
    vocabulary: questionVocabulary(),
    families: QUESTION_FAMILIES,
  };
  // meta.json last: its presence marks a complete dataset.
  fs.writeFileSync(path.join(opts.out, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  return { examples: count };
}

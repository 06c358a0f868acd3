import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '../scenes/random';
import { renderClip, renderScene } from '../scenes/renderScene';
import { QUESTION_FAMILIES, questionVocabulary } from '../scenes/questions';
import { CANVAS_SIZE, DEFAULT_FRAMES, GRID_SIZE } from '../scenes/vocabulary';
import { clipQuestions, drawClip, drawScene, sceneQuestions } from './trainingMixture';

export const DATASET_FORMAT = 'spatial-id-lens/dataset@1';

export interface ExportOptions {
  out: string;
  scenes: number;
  clips: number;
  seed: number;
  onProgress?: (done: number, total: number) => void;
}

/** Items are rendered this many at a time: sharp renders on its own thread pool. */
const RENDER_BATCH = 16;
/** Clip items draw from a stream apart from scene items, so changing one count never changes the other set. */
const CLIP_STREAM = 0x40000000;

/**
 * Writes a training set in the folder layout of docs/DATASET-FORMAT.md. Refuses a folder that
 * already holds a dataset: no user file is written over.
 */
export async function exportDataset(opts: ExportOptions): Promise<{ examples: number }> {
  if (fs.existsSync(path.join(opts.out, 'meta.json'))) {
    throw new Error(`${opts.out} already holds a dataset (meta.json): choose an empty folder or delete it first.`);
  }
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
      const rng = SeededRandom.derive(opts.seed, i);
      const scene = drawScene(rng);
      return { scene, qs: sceneQuestions(rng, scene) };
    });
    const pixels = await Promise.all(drawn.map((d) => renderScene(d.scene)));
    pixels.forEach((p, k) => {
      fs.writeSync(images, p.data);
      fs.writeSync(sceneIndex, JSON.stringify({ source: 'image', index: idx[k], objects: drawn[k].scene.objects }) + '\n');
      writeExamples('image', idx[k], drawn[k].scene.objects.length, drawn[k].qs);
    });
    opts.onProgress?.(start + idx.length, total);
  }
  fs.closeSync(images);

  const clips = fs.openSync(path.join(opts.out, 'clips.u8'), 'w');
  for (let start = 0; start < opts.clips; start += RENDER_BATCH) {
    const idx = Array.from({ length: Math.min(RENDER_BATCH, opts.clips - start) }, (_, k) => start + k);
    const drawn = idx.map((i) => {
      const rng = SeededRandom.derive(opts.seed, CLIP_STREAM + i);
      const clip = drawClip(rng);
      return { clip, qs: clipQuestions(rng, clip) };
    });
    const frames = await Promise.all(drawn.map((d) => renderClip(d.clip)));
    frames.forEach((fr, k) => {
      for (const f of fr) fs.writeSync(clips, f.data);
      const { scene, appearFrame } = drawn[k].clip;
      fs.writeSync(sceneIndex, JSON.stringify({ source: 'clip', index: idx[k], objects: scene.objects, appearFrame }) + '\n');
      writeExamples('clip', idx[k], drawn[k].clip.scene.objects.length, drawn[k].qs);
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
    counts: { images: opts.scenes, clips: opts.clips, examples: count },
    vocabulary: questionVocabulary(),
    families: QUESTION_FAMILIES,
  };
  // meta.json last: its presence marks a complete dataset.
  fs.writeFileSync(path.join(opts.out, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  return { examples: count };
}

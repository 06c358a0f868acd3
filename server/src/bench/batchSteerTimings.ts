import { performance } from 'node:perf_hooks';
import { deriveSpatialIds, planSpatialIds } from '../analysis/deriveSpatialIds';
import { DEFAULT_ID_OBJECTS } from '../analysis/objectWords';
import { BatchItem, steerBatch, steeringFactorFor } from '../analysis/steerObject';
import type { OnnxVariant } from '../model/modelFolder';
import { ModelRunner } from '../run/modelRunner';
import { analysisScenes } from './analysisScene';

/**
 * `steer --batch N` on one core, with prefix reuse and without, side by side: each held-out
 * scene is encoded once (the vision tower's work, the same either way, timed on its own) and
 * then steered at one layer band with its matched-noise control by steerBatch, once with
 * reuse and once recomputing every prompt, in alternating order. Wall time of each mode is the
 * encoding plus its steering. One band (the middle pair of layers), as the panel steers; the
 * CLI's default sweep of every band costs this steering time once per band.
 * The ID bank is a small one derived here (2x2 grid, two objects, one size): its quality does
 * not change the timing, and its derivation is timed and reported apart.
 */

export interface BatchSteerTimings {
  items: number;
  band: number[];
  factor: number;
  canvas: { width: number; height: number };
  bank: { scenes: number; ms: number };
  encodeMs: number[];
  steerReuseMs: number[];
  steerFullMs: number[];
}

const BANK_GRID = 2;
// pixels of the 96-px reference canvas (how requests give sizes): a 48-px cell's object
const BANK_SIZE = 20;

export async function timeBatchSteering(dir: string, count: number, seed: number, opts: { threads: number; cacheDir?: string; variant?: OnnxVariant }, log: (m: string) => void): Promise<BatchSteerTimings> {
  const runner = await ModelRunner.load(dir, { threads: opts.threads, cacheDir: opts.cacheDir, variant: opts.variant });
  try {
    const plan = planSpatialIds({ grid: BANK_GRID, objects: DEFAULT_ID_OBJECTS.slice(0, 2), sizes: [BANK_SIZE], seed });
    let t0 = performance.now();
    const bank = await deriveSpatialIds(runner, plan);
    const bankMs = performance.now() - t0;
    const mid = Math.max(1, Math.floor(runner.numLayers / 2));
    const band = runner.numLayers > 1 ? [mid, mid + 1] : [mid];
    const { factor } = steeringFactorFor(bank, undefined);
    const encodeMs: number[] = [];
    const steerReuseMs: number[] = [];
    const steerFullMs: number[] = [];
    let canvas = { width: 0, height: 0 };
    const steer = async (item: BatchItem, reuse: boolean, i: number) => {
      runner.prefixReuse = reuse;
      const start = performance.now();
      await steerBatch(runner, bank, [item], 1, [band], { factor, seed: seed + i });
      (reuse ? steerReuseMs : steerFullMs).push(performance.now() - start);
    };
    let i = 0;
    for await (const it of analysisScenes(runner, count, seed, BANK_GRID)) {
      canvas = { width: it.scene.width, height: it.scene.height };
      t0 = performance.now();
      const encoded = await runner.encode({ pixels: it.pixels! });
      encodeMs.push(performance.now() - t0);
      const item: BatchItem = { media: { encoded }, question: it.question, answers: it.answers, subject: it.subject, other: it.other, subjectCell: it.subjectCell, otherCell: it.otherCell };
      // alternate which mode goes first, so a noisy neighbour slows both alike
      const order = i % 2 === 0 ? [true, false] : [false, true];
      for (const reuse of order) await steer(item, reuse, i);
      i++;
      if (i % 20 === 0) {
        const s = (a: number[]) => (a.reduce((x, y) => x + y, 0) / 1000).toFixed(0);
        log(`  ${i} of ${count} scenes: encoding ${s(encodeMs)} s, steering ${s(steerReuseMs)} s with reuse vs ${s(steerFullMs)} s without`);
      }
    }
    return { items: i, band, factor, canvas, bank: { scenes: plan.count, ms: bankMs }, encodeMs, steerReuseMs, steerFullMs };
  } finally {
    runner.prefixReuse = true;
    await runner.dispose();
  }
}

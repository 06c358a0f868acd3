import { performance } from 'node:perf_hooks';
import type { OnnxVariant } from '../model/modelFolder';
import { ModelRunner } from '../run/modelRunner';
import { firstAnalysisScene } from './analysisScene';
import { steeringVector } from './benchInput';

/**
 * One steering run with prefix reuse against the same run recomputed in full, paired run by
 * run: ModelRunner.forward with one add at the question's first object word, the picture
 * encoded once (as every analysis passes it), after the clean run an analysis always makes
 * first. With reuse only the positions from the object word on go through the decoder; the
 * media tokens before them come from the clean run's KV cache. The picture is the first
 * held-out scene of a steering batch at the model's own canvas (analysisScene.ts), so the
 * media tokens are as many as the analyses steer behind.
 */

export interface PrefixReuseTimings {
  /** The scene's canvas: what the model's processor reads unresized. */
  canvas: { width: number; height: number };
  question: string;
  promptTokens: number;
  /** Tokens before the first intervened position: the part reuse skips. */
  prefixTokens: number;
  reuseMs: number[];
  fullMs: number[];
  /** max |logits with reuse - logits recomputed| over the last runs (must be <= 1e-5). */
  maxLogitDiff: number;
}

export async function timePrefixReuse(dir: string, seed: number, opts: { runs: number; warmup: number; threads: number; cacheDir?: string; variant?: OnnxVariant }): Promise<PrefixReuseTimings> {
  const runner = await ModelRunner.load(dir, { threads: opts.threads, cacheDir: opts.cacheDir, variant: opts.variant });
  try {
    const scene = await firstAnalysisScene(runner, seed);
    const media = { encoded: await runner.encode({ pixels: scene.pixels! }) };
    const clean = await runner.forward({ media, question: scene.question, maxNewTokens: 0 });
    const position = runner.wordPosition(clean.prompt, scene.subject, scene.question);
    const layer = Math.max(1, Math.floor(runner.numLayers / 2));
    const vector = steeringVector(runner.hiddenSize, seed);
    const steer = async (reuse: boolean) => {
      runner.prefixReuse = reuse;
      const t0 = performance.now();
      const out = await runner.forward({ media, question: scene.question, interventions: [{ kind: 'add', layer, positions: [position], vector }], maxNewTokens: 0 });
      return { ms: performance.now() - t0, logits: out.logits };
    };
    const reuseMs: number[] = [];
    const fullMs: number[] = [];
    let maxLogitDiff = 0;
    for (let i = 0; i < opts.warmup + opts.runs; i++) {
      // alternate which goes first, so a noisy neighbour slows both alike
      const [a, b] = i % 2 === 0 ? [await steer(true), await steer(false)] : [await steer(false), await steer(true)].reverse();
      if (i < opts.warmup) continue;
      reuseMs.push(a.ms);
      fullMs.push(b.ms);
      for (let k = 0; k < a.logits.length; k++) maxLogitDiff = Math.max(maxLogitDiff, Math.abs(a.logits[k] - b.logits[k]));
    }
    return { canvas: { width: scene.scene.width, height: scene.scene.height }, question: scene.question, promptTokens: clean.tokens.length, prefixTokens: position, reuseMs, fullMs, maxLogitDiff };
  } finally {
    await runner.dispose();
  }
}

import { performance } from 'node:perf_hooks';
import type * as ort from 'onnxruntime-node';
import { siteName } from '../graph/residualSites';
import { preprocessImage } from '../model/imagePreprocessor';
import type { OnnxVariant } from '../model/modelFolder';
import { VisionLanguageModel } from '../model/visionLanguageModel';
import type { ExtraFeeds, OrtSessions } from '../model/ortSessions';
import { InterventionDeltas } from '../run/interventionDeltas';
import { ModelRunner } from '../run/modelRunner';
import type { BenchInput } from './benchInput';
import { steeringVector } from './benchInput';

/**
 * The ORT side of the benchmark. Every variant times the same span, from preprocessed pixel
 * values and the expanded prompt ids: vision encoder + token embedding + feature merge + decoder
 * prefill over the prompt (logits and KV cache of every position); no image decoding, no
 * generation. The split after the merge gives the decoder prefill alone, where the captures and
 * deltas live (the vision encoder only dilutes their overhead).
 *
 *   plain          the folder's decoder as exported, in an uninstrumented session;
 *   captureAll     the instrumented decoder (ModelRunner's), every site's output read back:
 *                  all layers, all positions; deltas fed as the runner feeds them (zeros);
 *   steer          the instrumented decoder with one add at a middle layer, one position;
 *   apiCaptureAll  ModelRunner.forward() with capture all, maxNewTokens 0: the public run API,
 *                  adding prompt templating, log-probs and the per-position copy-out (total only).
 *
 * Variants are interleaved run by run, in a rotating order, so a noisy neighbour slows all alike.
 */

export const ORT_VARIANTS = ['plain', 'captureAll', 'steer', 'apiCaptureAll'] as const;
export type OrtVariant = (typeof ORT_VARIANTS)[number];

export interface Samples {
  totalMs: number[];
  /** Decoder prefill alone; empty where the span cannot be split (apiCaptureAll). */
  prefillMs: number[];
  /**
   * CPU time of the process over the total span: wall time counts the spells a shared machine
   * deschedules us, CPU time mostly does not, so its overheads stay readable under load.
   */
  cpuMs: number[];
}

export interface OrtTimings {
  numLayers: number;
  hiddenSize: number;
  inputIds: number[];
  /** float32 [3, S, S], the vision encoder's input. */
  /** The bundled model's pixel values (what the PyTorch comparison feeds); absent for other families. */
  pixelValues?: Float32Array;
  steer: { layer: number; position: number; vector: Float32Array };
  samples: Record<OrtVariant, Samples>;
  /** Each variant's logits at the last prompt position, from its last run (to check both runtimes computed the same). */
  lastLogits: Record<OrtVariant, Float32Array>;
}

interface OneRun {
  totalMs: number;
  cpuMs: number;
  prefillMs?: number;
  lastLogits: Float32Array;
}

export interface OrtOptions {
  runs: number;
  warmup: number;
  threads: number;
  cacheDir?: string;
  /** Which copy of the graphs to load (a q4-only folder needs 'q4'); default fp32. */
  variant?: OnnxVariant;
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(start);
  return (c.user + c.system) / 1000;
}

/**
 * The low-level path both models share (encode, merge, one prefill), so plain and instrumented
 * differ only in the decoder graph; any family (its processor and position ids) runs it.
 */
async function timedForward(model: VisionLanguageModel, input: BenchInput, extra?: ExtraFeeds, read?: (outputs: Record<string, ort.Tensor>) => void): Promise<OneRun> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const prepared = await model.promptEmbeds(input.question, await model.encodeImage(input.image));
  const t1 = performance.now();
  const step = await model.session.prefill(prepared.embeds, prepared.prompt.ids, extra, prepared.positions);
  read?.(step.outputs);
  const t2 = performance.now();
  return { totalMs: t2 - t0, prefillMs: t2 - t1, cpuMs: cpuMsSince(c0), lastLogits: step.lastLogits.slice() };
}

export async function timeOrt(dir: string, input: BenchInput, opts: OrtOptions, log: (m: string) => void): Promise<OrtTimings> {
  const plain = await VisionLanguageModel.load(dir, { intraOpNumThreads: opts.threads, variant: opts.variant });
  let runner: ModelRunner | null = null;
  try {
    runner = await ModelRunner.load(dir, { threads: opts.threads, cacheDir: opts.cacheDir, variant: opts.variant });
    const { numLayers: L, hiddenSize: H } = runner;
    const instrumented = runner.model;
    // The PyTorch comparison reads the bundled model's pixel values; other families have no PyTorch side in the bench.
    const pixels = plain.folder.family === 'tiny-spatial-vlm' ? await preprocessImage(input.image, plain.folder.preprocessor) : undefined;
    const ids = (await plain.promptEmbeds(input.question, await plain.encodeImage(input.image))).prompt.ids;
    const seq = ids.length;
    const steer = { layer: Math.max(1, Math.floor(L / 2)), position: seq - 1, vector: steeringVector(H, input.seed) };

    const captureDeltas = runner.deltas(seq);
    const steerDeltas = runner.deltas(seq);
    steerDeltas.add(steer.layer, [steer.position], steer.vector);
    const readAll = (outputs: Record<string, ort.Tensor>) => {
      for (let l = 0; l <= L; l++) {
        const t = outputs[siteName(l, L)];
        if (!t || (t.data as Float32Array).length !== seq * H) throw new Error(`The instrumented decoder gave no [${seq} x ${H}] capture for layer ${l}.`);
      }
    };
    const run: Record<OrtVariant, () => Promise<OneRun>> = {
      plain: () => timedForward(plain, input),
      captureAll: () => timedForward(instrumented, input, (n) => captureDeltas.feeds(n), readAll),
      steer: () => timedForward(instrumented, input, (n) => steerDeltas.feeds(n)),
      apiCaptureAll: async () => {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const out = await runner!.forward({
          media: { encoded: await instrumented.encodeImage(input.image) },
          question: input.question,
          capture: { layers: 'all', positions: 'all' },
          maxNewTokens: 0,
        });
        const totalMs = performance.now() - t0;
        if (out.hidden.size !== L + 1) throw new Error(`forward() captured ${out.hidden.size} layers, not ${L + 1}.`);
        return { totalMs, cpuMs: cpuMsSince(c0), lastLogits: out.logits.slice((seq - 1) * (out.logits.length / seq)) };
      },
    };

    const samples = Object.fromEntries(ORT_VARIANTS.map((v) => [v, { totalMs: [], prefillMs: [], cpuMs: [] }])) as unknown as Record<OrtVariant, Samples>;
    const lastLogits = {} as Record<OrtVariant, Float32Array>;
    for (let i = 0; i < opts.warmup + opts.runs; i++) {
      const k = i % ORT_VARIANTS.length;
      for (const v of [...ORT_VARIANTS.slice(k), ...ORT_VARIANTS.slice(0, k)]) {
        const r = await run[v]();
        if (i < opts.warmup) continue;
        samples[v].totalMs.push(r.totalMs);
        samples[v].cpuMs.push(r.cpuMs);
        if (r.prefillMs !== undefined) samples[v].prefillMs.push(r.prefillMs);
        lastLogits[v] = r.lastLogits;
      }
      if ((i + 1) % 10 === 0) log(`  ORT: ${i + 1} of ${opts.warmup + opts.runs} rounds`);
    }
    return { numLayers: L, hiddenSize: H, inputIds: ids, pixelValues: pixels, steer, samples, lastLogits };
  } finally {
    await Promise.all([plain.dispose(), runner?.dispose()]);
  }
}

// First, so onnxruntime-node is only ever loaded with its telemetry off (see onnxRuntime.ts).
import '../model/onnxRuntime';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { wholeNumber } from '../cli/numberOption';
import { benchInput } from './benchInput';
import { BatchSteerTimings, timeBatchSteering } from './batchSteerTimings';
import { CAPTURE_TARGET, ModelResult, batchSteerSummary, modelTable, summarise } from './benchReport';
import { timeOrt } from './ortTimings';
import { PrefixReuseTimings, timePrefixReuse } from './prefixReuseTimings';
import { PeakRss, RSS_TARGET, measurePeakRss } from './peakRss';
import { REAL_DIM_MODELS, RealDimModel, ensureRealDimModel } from './realDimModels';
import { BenchModel, MODEL_SCRIPTS, TorchTimings, ensureBenchModel, timeTorch, torchUnavailable } from './torchReference';

/**
 * `npm run bench [-- --runs N --warmup K --threads T --seed S --models LIST --no-rss --no-reuse
 * --steer-batch N]`: forward latency of each model, plain vs with every layer captured vs with
 * one steering delta, on ORT and (bundled architecture, with hooks) on PyTorch; the peak RSS of
 * the server's runner against plain ORT sessions; one steering run with prefix reuse vs
 * recomputed; and `steer --batch N` (default 200; 0 skips) with and without reuse, on every
 * model but qwen2vl-2b-q4 unless --steer-batch is given (its 896-px scenes take minutes each to
 * encode on one core). LIST (comma-separated, default bundled,100m): bundled; 100m, a random-weight
 * ~100M model of the bundled architecture; smolvlm-256m and qwen2vl-2b-q4, random-weight models
 * at those checkpoints' sizes (realDimModels.ts; built once, minutes). Progress goes to stderr;
 * stdout has one table per model and, last, one JSON line with every figure.
 * A benchmark, not a test: nothing here fails on a slow figure.
 */

const TIMED =
  "the family's image preprocessing and prompt processing + vision encoder + token embedding + image-feature merge + decoder prefill over the prompt " +
  '(logits and KV cache of every position), from the decoded picture and the question; no file decoding, no generation. ' +
  '"prefill" is the decoder call alone. Median of the runs after warm-up; variants interleaved run by run.';

function cacheRoot(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'spatial-id-lens');
}

const log = (m: string) => process.stderr.write(`${m}\n`);

interface Target {
  name: string;
  dir: string;
  weights: string | null;
  params: ModelResult['params'];
  variant?: ModelResult['variant'];
}

const MODEL_NAMES = ['bundled', '100m', ...Object.keys(REAL_DIM_MODELS)];

function modelList(text: string | undefined, no100m: boolean): string[] {
  const names = (text ?? 'bundled,100m').split(',').map((n) => n.trim()).filter((n) => n && !(no100m && n === '100m'));
  const unknown = names.filter((n) => !MODEL_NAMES.includes(n));
  if (unknown.length) throw new Error(`--models: unknown model "${unknown[0]}"; choose from ${MODEL_NAMES.join(', ')}.`);
  return names;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string' }, warmup: { type: 'string' }, threads: { type: 'string' }, seed: { type: 'string' },
      'no-100m': { type: 'boolean' }, 'cache-dir': { type: 'string' }, models: { type: 'string' }, 'no-rss': { type: 'boolean' }, 'no-reuse': { type: 'boolean' }, 'steer-batch': { type: 'string' },
    },
  });
  const opts = {
    runs: wholeNumber('runs', values.runs, 20, 1),
    warmup: wholeNumber('warmup', values.warmup, 3, 0),
    threads: wholeNumber('threads', values.threads, 1, 1, 64),
  };
  const seed = wholeNumber('seed', values.seed, 1, 0, 2 ** 31 - 1);
  const steerBatch = wholeNumber('steer-batch', values['steer-batch'], 200, 0, 2000);
  const batchOn = (t: Target) => steerBatch > 0 && (values['steer-batch'] !== undefined || !t.name.startsWith('qwen2vl-2b-q4'));
  const cache = values['cache-dir'] ?? cacheRoot();
  const notes: string[] = [];
  if (opts.runs < 20) notes.push(`only ${opts.runs} run(s) per figure (the acceptance figures need >= 20)`);

  const input = await benchInput(seed);
  log(`question: "${input.question}" (scene seed ${seed})`);
  const models = modelList(values.models, values['no-100m'] ?? false);
  const bundled = path.resolve(MODEL_SCRIPTS);
  const bundledWeights = path.join(bundled, 'weights.pt');
  const targets: Target[] = [];
  if (models.includes('bundled')) targets.push({ name: 'tiny-spatial-vlm (bundled)', dir: bundled, weights: fs.existsSync(bundledWeights) ? bundledWeights : null, params: null });

  const noTorch = torchUnavailable();
  if (!models.includes('100m')) {
    notes.push('skipped the ~100M model (not in --models)');
  } else if (noTorch) {
    notes.push(`skipped the ~100M model and every PyTorch figure: ${noTorch}`);
  } else {
    try {
      log('preparing the random-weight ~100M model (exported once, then reused)...');
      const m: BenchModel = await ensureBenchModel(path.join(cache, 'bench-100m'), opts.threads);
      targets.push({ name: `random-weight ${(m.params.total / 1e6).toFixed(0)}M (same architecture)`, dir: m.dir, weights: path.join(m.dir, 'weights.pt'), params: m.params });
    } catch (e) {
      notes.push(`skipped the ~100M model: building it failed (${(e as Error).message})`);
    }
  }
  for (const name of models.filter((n): n is RealDimModel => n in REAL_DIM_MODELS)) {
    if (noTorch) {
      notes.push(`skipped ${name}: ${noTorch}`);
      continue;
    }
    try {
      log(`preparing ${name} (${REAL_DIM_MODELS[name]}; built once, then reused)...`);
      const m = await ensureRealDimModel(name, path.join(cache, 'bench-models', name), opts.threads);
      targets.push({ name: `${name}: ${REAL_DIM_MODELS[name]}`, dir: m.dir, weights: null, params: m.params, variant: m.variant });
    } catch (e) {
      notes.push(`skipped ${name}: building it failed (${(e as Error).message})`);
    }
  }
  const unbuilt = Object.keys(REAL_DIM_MODELS).filter((n) => !models.includes(n));
  if (unbuilt.length) notes.push(`models at real dimensions not run: ${unbuilt.join(', ')} (add them with --models)`);

  const results: ModelResult[] = [];
  for (const t of targets) {
    log(`${t.name}: ORT, ${opts.warmup} warm-up + ${opts.runs} runs of each variant...`);
    const graphs = path.join(cache, 'graphs');
    const ort = await timeOrt(t.dir, input, { ...opts, cacheDir: graphs, variant: t.variant }, log);
    let torch: TorchTimings | null = null;
    let skipped = noTorch;
    if (!noTorch && !t.weights) skipped = t.variant ? 'no PyTorch model in the bench for this family' : `no weights.pt in ${t.dir}`;
    const pixelValues = ort.pixelValues;
    if (!skipped && !pixelValues) skipped = 'the PyTorch side of the bench runs the bundled model only';
    if (!skipped && t.weights && pixelValues) {
      log(`${t.name}: PyTorch, ${opts.warmup} warm-up + ${opts.runs} runs of each variant...`);
      try {
        torch = await timeTorch(t.weights, { ...ort, pixelValues }, opts);
      } catch (e) {
        skipped = `the PyTorch run failed (${(e as Error).message})`;
      }
    }
    let rss: PeakRss | string = 'not measured (--no-rss)';
    if (!values['no-rss']) {
      log(`${t.name}: peak RSS, plain ORT sessions and the instrumented runner, each in a child process...`);
      rss = await measurePeakRss(t.dir, { variant: t.variant, threads: opts.threads, seed, cacheDir: graphs }).catch((e: Error) => `failed: ${e.message}`);
    }
    let reuse: PrefixReuseTimings | string = 'not measured (--no-reuse)';
    if (!values['no-reuse']) {
      log(`${t.name}: one steering run with prefix reuse vs recomputed, ${opts.warmup} warm-up + ${opts.runs} pairs...`);
      reuse = await timePrefixReuse(t.dir, seed, { ...opts, cacheDir: graphs, variant: t.variant }).catch((e: Error) => `failed: ${e.message}`);
    }
    let batch: BatchSteerTimings | string = steerBatch ? 'not measured on this model by default (give --steer-batch N)' : 'not measured (--steer-batch 0)';
    if (batchOn(t)) {
      log(`${t.name}: steer --batch ${steerBatch} at one band, with and without prefix reuse (one core)...`);
      batch = await timeBatchSteering(t.dir, steerBatch, seed, { threads: 1, cacheDir: graphs, variant: t.variant }, log).catch((e: Error) => `failed: ${e.message}`);
    }
    results.push({ ...summarise(t.name, t.dir, t.params ?? (torch ? { total: torch.params } : null), ort, torch, skipped, rss, t.variant ?? 'fp32', reuse), batchSteering: batchSteerSummary(batch) });
  }

  const out: string[] = [
    `Spatial ID Lens forward benchmark: ${opts.threads} intra-op thread(s), median of ${opts.runs} runs after ${opts.warmup} warm-up runs, one image question`,
    `question: "${input.question}"`,
    `timed: ${TIMED}`,
    `machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, load average ${os.loadavg()[0].toFixed(1)} (figures from a loaded machine are noisy: compare the IQR)`,
    ...results.map((r) => `\n${modelTable(r)}`),
    ...notes.map((n) => `note: ${n}`),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  const json = { benchmark: 'spatial-id-lens forward', timed: TIMED, question: input.question, seed, ...opts, captureOverheadTarget: CAPTURE_TARGET, peakRssTarget: RSS_TARGET, loadAverage: os.loadavg()[0], notes, models: results };
  process.stdout.write(`${JSON.stringify(json)}\n`);
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`bench: ${e.message}\n`);
  if (process.env.SPATIAL_ID_LENS_DEBUG) process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
});

import type { OnnxVariant } from '../model/modelFolder';
import type { BatchSteerTimings } from './batchSteerTimings';
import type { OrtTimings, OrtVariant } from './ortTimings';
import { PeakRss, RSS_TARGET } from './peakRss';
import type { PrefixReuseTimings } from './prefixReuseTimings';
import type { BenchModel, TorchTimings, TorchVariant } from './torchReference';

/**
 * Turns raw per-run times into the figures the benchmark prints: medians (with the quartiles,
 * so a reader can tell an overhead from the noise of a shared machine), overheads of the
 * instrumented variants over the plain decoder, and ORT over PyTorch. Printing only: the
 * benchmark asserts nothing about time.
 */

export const CAPTURE_TARGET = 0.03;
/**
 * ORT and PyTorch are compared on speed only where they computed the same forward: the last
 * position's logits within this (float32 summation order alone stays far below it).
 */
export const PYTORCH_AGREEMENT = 1e-4;

export interface Figure {
  median: number;
  p25: number;
  p75: number;
  n: number;
}

export interface Timing {
  totalMs: Figure;
  /** The decoder call alone; null where the span cannot be split (the run API). */
  prefillMs: Figure | null;
  /** Process CPU time over the total span: the steadier figure on a loaded machine. */
  cpuMs: Figure;
}

/**
 * median(variant) / median(plain) - 1, and paired estimates: the median over rounds of
 * variant / plain within one round (they ran moments apart, so slow spells of a shared machine
 * largely cancel; the steadier figures when the IQRs are wide).
 */
export interface Overhead {
  total: number;
  prefill: number | null;
  pairedTotal: number;
  pairedPrefill: number | null;
  pairedCpu: number;
}

export interface ModelResult {
  name: string;
  dir: string;
  params: BenchModel['params'] | { total: number } | null;
  numLayers: number;
  hiddenSize: number;
  promptTokens: number;
  /** Which copy of the graphs ran (fp32, q4, ...). */
  variant: OnnxVariant;
  steer: { layer: number; position: number };
  /** Peak RSS of the instrumented runner vs plain ORT sessions, or why it is missing. */
  peakRss: PeakRss | null;
  peakRssNote: string | null;
  ort: Record<OrtVariant, Timing>;
  overhead: Record<Exclude<OrtVariant, 'plain'>, Overhead>;
  pytorch: { version: string; threads: number; variants: Record<TorchVariant, Timing> } | null;
  pytorchSkipped: string | null;
  /** median ORT / median PyTorch, per matching variant; null where the logits disagree (PYTORCH_AGREEMENT). */
  ortOverPytorch: Record<TorchVariant, { total: number; prefill: number; cpu: number }> | null;
  /** max |ORT - PyTorch| over the last position's logits: both sides computed the same forward. */
  logitsMaxAbsDiff: Record<TorchVariant, number> | null;
  /** One steering run with prefix reuse vs recomputed in full, or why it is missing. */
  prefixReuse: { canvas: { width: number; height: number }; promptTokens: number; prefixTokens: number; reuseMs: Figure; fullMs: Figure; speedup: number; maxLogitDiff: number } | string;
  /** `steer --batch N` at one band with and without prefix reuse, or why it is missing. */
  batchSteering?: BatchSteerSummary | string;
}

export interface BatchSteerSummary {
  items: number;
  band: number[];
  factor: number;
  canvas: { width: number; height: number };
  bank: { scenes: number; ms: number };
  /** Whole batch, ms: the pictures' encoding (shared), steering with reuse, steering recomputed. */
  totalMs: { encode: number; steerReuse: number; steerFull: number };
  /** Wall time of the batch, s: encoding plus steering, in each mode. */
  wallS: { reuse: number; full: number };
  perItemMs: { encode: Figure; steerReuse: Figure; steerFull: Figure };
}

export function batchSteerSummary(t: BatchSteerTimings | string): BatchSteerSummary | string {
  if (typeof t === 'string') return t;
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const totalMs = { encode: sum(t.encodeMs), steerReuse: sum(t.steerReuseMs), steerFull: sum(t.steerFullMs) };
  return {
    items: t.items, band: t.band, factor: t.factor, canvas: t.canvas, bank: t.bank, totalMs,
    wallS: { reuse: (totalMs.encode + totalMs.steerReuse) / 1000, full: (totalMs.encode + totalMs.steerFull) / 1000 },
    perItemMs: { encode: figure(t.encodeMs), steerReuse: figure(t.steerReuseMs), steerFull: figure(t.steerFullMs) },
  };
}

function batchSteerLine(m: ModelResult): string | null {
  const b = m.batchSteering;
  if (b === undefined) return null;
  if (typeof b === 'string') return `steer --batch: ${b}`;
  const s = (x: number) => `${x.toFixed(0)} s`;
  return (
    `steer --batch ${b.items} (${b.canvas.width}x${b.canvas.height}-px scenes, layers ${b.band.join('-')}, factor ${b.factor}, steering + noise control per scene), one core: ` +
    `wall ${s(b.wallS.reuse)} with prefix reuse vs ${s(b.wallS.full)} without (${(b.wallS.full / b.wallS.reuse).toFixed(2)}x); ` +
    `of which encoding the pictures ${s(b.totalMs.encode / 1000)} either way, steering ${s(b.totalMs.steerReuse / 1000)} vs ${s(b.totalMs.steerFull / 1000)} (${(b.totalMs.steerFull / b.totalMs.steerReuse).toFixed(1)}x); ` +
    `per scene: encode ${ms(b.perItemMs.encode)}, steering ${ms(b.perItemMs.steerReuse)} vs ${ms(b.perItemMs.steerFull)}; ` +
    `ID bank for it: ${b.bank.scenes} scenes in ${s(b.bank.ms / 1000)}`
  );
}

/** The target for one steering run on a model with hundreds of media tokens before the question. */
export const REUSE_TARGET = 10;

export function reuseSummary(r: PrefixReuseTimings | string): ModelResult['prefixReuse'] {
  if (typeof r === 'string') return r;
  const reuseMs = figure(r.reuseMs);
  const fullMs = figure(r.fullMs);
  return { canvas: r.canvas, promptTokens: r.promptTokens, prefixTokens: r.prefixTokens, reuseMs, fullMs, speedup: fullMs.median / reuseMs.median, maxLogitDiff: r.maxLogitDiff };
}

function reuseLine(m: ModelResult): string {
  const r = m.prefixReuse;
  if (typeof r === 'string') return `prefix reuse: ${r}`;
  const met = r.speedup >= REUSE_TARGET ? 'met' : 'not met';
  return (
    `one steering run on a ${r.canvas.width}x${r.canvas.height}-px analysis scene (forward, add at the first object word, position ${r.prefixTokens} of ${r.promptTokens}): ` +
    `with prefix reuse ${ms(r.reuseMs)}, recomputed ${ms(r.fullMs)}: ${r.speedup.toFixed(1)}x (target >= ${REUSE_TARGET}x with hundreds of media tokens: ${met}); ` +
    `max |logits reuse - full| ${r.maxLogitDiff.toExponential(1)}`
  );
}

const MATCH: Record<TorchVariant, OrtVariant> = { plain: 'plain', capture_all: 'captureAll', steer: 'steer' };

function quantile(sorted: number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  return sorted[lo] + (sorted[Math.ceil(i)] - sorted[lo]) * (i - lo);
}

export function figure(samples: number[]): Figure {
  const s = [...samples].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p25: quantile(s, 0.25), p75: quantile(s, 0.75), n: s.length };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const timing = (total: number[], prefill: number[], cpu: number[]): Timing => ({ totalMs: figure(total), prefillMs: prefill.length ? figure(prefill) : null, cpuMs: figure(cpu) });
const rel = (a: Figure | null, b: Figure | null) => (a && b ? a.median / b.median - 1 : null);
// samples[v][i] were taken in round i for every variant, so index i pairs them
const paired = (a: number[], b: number[]) => (a.length && a.length === b.length ? figure(a.map((x, i) => x / b[i])).median - 1 : null);

export function summarise(name: string, dir: string, params: ModelResult['params'], o: OrtTimings, t: TorchTimings | null, skipped: string | null, rss: PeakRss | string, variant: OnnxVariant, reuse: PrefixReuseTimings | string): ModelResult {
  const ort = Object.fromEntries(Object.entries(o.samples).map(([v, s]) => [v, timing(s.totalMs, s.prefillMs, s.cpuMs)])) as ModelResult['ort'];
  const p = o.samples.plain;
  const overhead = Object.fromEntries(
    (['captureAll', 'steer', 'apiCaptureAll'] as const).map((v) => {
      const s = o.samples[v];
      const ov: Overhead = {
        total: rel(ort[v].totalMs, ort.plain.totalMs)!,
        prefill: rel(ort[v].prefillMs, ort.plain.prefillMs),
        pairedTotal: paired(s.totalMs, p.totalMs)!,
        pairedPrefill: paired(s.prefillMs, p.prefillMs),
        pairedCpu: paired(s.cpuMs, p.cpuMs)!,
      };
      return [v, ov];
    }),
  ) as ModelResult['overhead'];
  let pytorch: ModelResult['pytorch'] = null;
  let ortOverPytorch: ModelResult['ortOverPytorch'] = null;
  let logitsMaxAbsDiff: ModelResult['logitsMaxAbsDiff'] = null;
  if (t) {
    const tv = Object.keys(MATCH) as TorchVariant[];
    const variants = Object.fromEntries(tv.map((v) => [v, timing(t.variants[v].total_ms, t.variants[v].prefill_ms, t.variants[v].cpu_ms)])) as Record<TorchVariant, Timing>;
    pytorch = { version: t.torch, threads: t.threads, variants };
    const over = (a: Figure | null, b: Figure | null) => (a && b ? a.median / b.median : NaN);
    ortOverPytorch = Object.fromEntries(
      tv.map((v) => {
        const [a, b] = [ort[MATCH[v]], variants[v]];
        return [v, { total: over(a.totalMs, b.totalMs), prefill: over(a.prefillMs, b.prefillMs), cpu: over(a.cpuMs, b.cpuMs) }];
      }),
    ) as NonNullable<ModelResult['ortOverPytorch']>;
    logitsMaxAbsDiff = Object.fromEntries(tv.map((v) => [v, maxAbsDiff(o.lastLogits[MATCH[v]], t.last_logits[v])])) as Record<TorchVariant, number>;
    if (!Object.values(logitsMaxAbsDiff).every((d) => d <= PYTORCH_AGREEMENT)) ortOverPytorch = null;
  }
  return {
    name, dir, params, numLayers: o.numLayers, hiddenSize: o.hiddenSize, promptTokens: o.inputIds.length, variant,
    peakRss: typeof rss === 'string' ? null : rss, peakRssNote: typeof rss === 'string' ? rss : null,
    steer: { layer: o.steer.layer, position: o.steer.position },
    ort, overhead, pytorch, pytorchSkipped: skipped, ortOverPytorch, logitsMaxAbsDiff,
    prefixReuse: reuseSummary(reuse),
  };
}

const ms = (f: Figure | null | undefined) => (f ? `${f.median.toFixed(f.median < 10 ? 2 : 1)} ms` : '-');
const iqr = (f: Figure) => `${f.p25.toFixed(f.median < 10 ? 2 : 1)}-${f.p75.toFixed(f.median < 10 ? 2 : 1)}`;
const pct = (r: number | null | undefined) => (r === null || r === undefined ? '-' : `${r >= 0 ? '+' : ''}${(r * 100).toFixed(1)}%`);
const times = (r: number | undefined) => (r === undefined ? '-' : `${r.toFixed(2)}x`);
const millions = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)}M`;

function columns(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

function rssLine(m: ModelResult): string {
  const r = m.peakRss;
  if (!r) return `peak RSS: ${m.peakRssNote ?? 'not measured'}`;
  const met = r.ratio <= RSS_TARGET ? 'met' : 'not met';
  return `peak RSS (child processes, one forward each): plain ORT sessions ${mib(r.plainBytes)}, instrumented runner with capture all ${mib(r.runnerBytes)}: ${r.ratio.toFixed(2)}x (target <= ${RSS_TARGET}x: ${met})`;
}

export function modelTable(m: ModelResult): string {
  const p = m.params;
  const paramText = !p ? 'parameters: n/a (counted by PyTorch)' : 'language_model' in p ? `${millions(p.total)} parameters (language model ${millions(p.language_model)}, vision ${millions(p.vision)})` : `${millions(p.total)} parameters`;
  const label: Record<OrtVariant, string> = {
    plain: 'plain (uninstrumented decoder)',
    captureAll: `capture all (${m.numLayers + 1} sites x all positions)`,
    steer: `steer (1 add, layer ${m.steer.layer}, position ${m.steer.position})`,
    apiCaptureAll: 'run API forward(), capture all',
  };
  const ortRows = [['ORT', 'total', 'IQR', 'prefill', 'IQR', 'CPU', 'vs plain: total', 'prefill', 'paired: total', 'prefill', 'CPU']];
  for (const v of Object.keys(m.ort) as OrtVariant[]) {
    const { totalMs: t, prefillMs: f, cpuMs: c } = m.ort[v];
    const o = v === 'plain' ? null : m.overhead[v];
    ortRows.push([label[v], ms(t), iqr(t), ms(f), f ? iqr(f) : '-', ms(c), pct(o?.total), pct(o?.prefill), pct(o?.pairedTotal), pct(o?.pairedPrefill), pct(o?.pairedCpu)]);
  }
  const c = m.overhead.captureAll;
  const verdict = (r: number | null) => `${pct(r)} ${r === null ? '' : r <= CAPTURE_TARGET ? '(met)' : '(not met)'}`;
  const lines = [
    `${m.name}  [${m.dir}]`,
    `${paramText}, ${m.variant} graphs, ${m.numLayers} layers, hidden ${m.hiddenSize}, prompt ${m.promptTokens} tokens`,
    columns(ortRows),
    `target: capture-all overhead <= ${CAPTURE_TARGET * 100}%: total ${verdict(c.total)}, prefill ${verdict(c.prefill)}; paired: total ${verdict(c.pairedTotal)}, prefill ${verdict(c.pairedPrefill)}, CPU ${verdict(c.pairedCpu)}`,
    rssLine(m),
    reuseLine(m),
    ...[batchSteerLine(m)].filter((l): l is string => l !== null),
  ];
  if (!m.pytorch || !m.logitsMaxAbsDiff) {
    lines.push(`PyTorch: skipped (${m.pytorchSkipped ?? 'unknown reason'})`);
    return lines.join('\n');
  }
  if (!m.ortOverPytorch) {
    const diffs = Object.entries(m.logitsMaxAbsDiff).map(([v, d]) => `${v} ${d.toExponential(1)}`).join(', ');
    lines.push(`PyTorch: no speed comparison: its last-position logits differ from ORT's by more than ${PYTORCH_AGREEMENT} (max |ORT-PT|: ${diffs}), so the two did not compute the same forward`);
    return lines.join('\n');
  }
  const torchRows = [[`PyTorch ${m.pytorch.version}, forward hooks`, 'total', 'IQR', 'prefill', 'IQR', 'CPU', 'ORT/PyTorch: total', 'prefill', 'CPU', 'logits max |ORT-PT|']];
  const torchLabel: Record<TorchVariant, string> = { plain: 'plain (no hooks)', capture_all: 'capture all (hook per layer keeps its output)', steer: 'steer (one hook adds in place)' };
  for (const v of Object.keys(m.pytorch.variants) as TorchVariant[]) {
    const { totalMs: t, prefillMs: f, cpuMs: c } = m.pytorch.variants[v];
    const r = m.ortOverPytorch[v];
    torchRows.push([torchLabel[v], ms(t), iqr(t), ms(f), f ? iqr(f) : '-', ms(c), times(r.total), times(r.prefill), times(r.cpu), m.logitsMaxAbsDiff[v].toExponential(1)]);
  }
  lines.push(columns(torchRows));
  return lines.join('\n');
}

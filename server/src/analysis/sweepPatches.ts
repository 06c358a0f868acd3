import type { CurveWithInterval, PositionSelector } from '../../../protocol/requests';
import type { ModelRunner, RunMedia } from '../run/modelRunner';
import { AnalysisContext, checkCancelled, progressReporter } from './analysisContext';
import { meanBeliefShift } from './math/beliefShift';
import { meanInterval } from './math/confidence';

/**
 * Activation patching sweeps (METHOD.md 4): run the input and its mirror (or time-reversed twin)
 * with the same question; at each layer replace one token group's residual with the mirror
 * run's and measure, per answer word, (logP_orig - logP_patched) / (logP_orig - logP_mirror):
 * the share of the mirror's effect that the group carries at that layer. The control patches
 * from an attribute-swapped twin instead (recoloured object), normalised by the same mirror
 * effect: it should carry ~0.
 */

export const TOKEN_GROUPS = ['image', 'text', 'objects'] as const;
export type TokenGroup = (typeof TOKEN_GROUPS)[number];

export interface SweepItem {
  media: RunMedia;
  /** The mirrored (or time-reversed) twin, asked the same question. */
  mirror: RunMedia;
  /** The attribute-swapped twin (control), when one exists. */
  attribute?: RunMedia;
  question: string;
  answers: [string, string];
  /** The two object words of the question (the "object words only" group). */
  objects: [string, string];
}

/**
 * Words whose log-probability the mirror moves by less than this (nats) are not normalised by:
 * the ratio would divide by noise. Seen on the bundled model: one scene whose mirror moved
 * "left" by 0.05 nats gave a control shift of 63 and lifted the whole control curve to 0.46.
 */
export const MIN_MIRROR_EFFECT_NATS = 0.5;

/** shifts[group][layer]; NaN where the mirror does not move the answer. */
export type ItemShifts = Record<TokenGroup, number[]>;

function selector(group: TokenGroup, objects: readonly string[]): PositionSelector {
  return group === 'image' ? 'media' : group === 'text' ? 'text' : { words: [...objects] };
}

/** A clean run: its answer log-probabilities and every layer's residual, each [seq x hidden]. */
async function recordAll(runner: ModelRunner, media: RunMedia, question: string, answers: readonly string[]): Promise<{ logprobs: Record<string, number>; layers: Float32Array[] }> {
  const out = await runner.forward({ media, question, answers: [...answers], capture: { layers: 'all', positions: 'all' }, maxNewTokens: 0 });
  const H = runner.hiddenSize;
  const layers = [...out.hidden.keys()].sort((a, b) => a - b).map((l) => {
    const rows = out.hidden.get(l)!;
    const flat = new Float32Array(rows.size * H);
    for (const [p, v] of rows) flat.set(v, p * H);
    return flat;
  });
  return { logprobs: out.logprobs, layers };
}

export async function sweepItem(runner: ModelRunner, item: SweepItem, tick: () => void = () => {}): Promise<{ mirror: ItemShifts; control: ItemShifts | null }> {
  const media = { encoded: await runner.encode(item.media) };
  const ask = { question: item.question, answers: [...item.answers], maxNewTokens: 1 };
  const orig = await runner.forward({ media, ...ask });
  const mirrorRun = await recordAll(runner, item.mirror, item.question, item.answers);
  const sources = { mirror: mirrorRun.layers, control: item.attribute ? (await recordAll(runner, item.attribute, item.question, item.answers)).layers : null };
  const layers = sources.mirror.length;
  const result: { mirror: ItemShifts; control: ItemShifts | null } = { mirror: { image: [], text: [], objects: [] }, control: item.attribute ? { image: [], text: [], objects: [] } : null };
  for (const kind of ['mirror', 'control'] as const) {
    const src = sources[kind];
    const target = result[kind];
    if (!src || !target) continue;
    for (const group of TOKEN_GROUPS) {
      for (let l = 0; l < layers; l++) {
        tick();
        const patched = await runner.forward({ media, ...ask, interventions: [{ kind: 'patch', layer: l, positions: selector(group, item.objects), from: { activations: src[l] } }] });
        target[group][l] = meanBeliefShift(item.answers.map((w) => ({ orig: orig.logprobs[w], patched: patched.logprobs[w], mirror: mirrorRun.logprobs[w] })), MIN_MIRROR_EFFECT_NATS);
      }
    }
  }
  return result;
}

function curves(perItem: readonly ItemShifts[], layers: number): Record<TokenGroup, CurveWithInterval> {
  const out = {} as Record<TokenGroup, CurveWithInterval>;
  for (const g of TOKEN_GROUPS) {
    const c: CurveWithInterval = { mean: [], low: [], high: [] };
    for (let l = 0; l < layers; l++) {
      const m = meanInterval(perItem.map((s) => s[g][l]).filter(Number.isFinite));
      c.mean.push(m.mean);
      c.low.push(m.low);
      c.high.push(m.high);
    }
    out[g] = c;
  }
  return out;
}

export interface SweepSummary {
  layers: number[];
  groups: Record<TokenGroup, CurveWithInterval>;
  control: Record<TokenGroup, CurveWithInterval> | null;
  /** Items whose mirror moved the answer enough to normalise by (the others give NaN and are left out per layer). */
  n: number;
  /** The items left out of n (1-based) and why, so that "n = 199" of 200 says which one; only when some were (results saved before it replay unchanged). */
  skipped?: { item: number; question: string; reason: string }[];
}

/**
 * The sweep over `count` items, consumed one at a time from `items` (a lazy stream: each item's
 * renders are made when it is reached and dropped after it). `withControl`: whether the items
 * carry the attribute twin, for the progress total.
 */
export async function sweepPatchesOver(runner: ModelRunner, items: AsyncIterable<SweepItem> | Iterable<SweepItem>, expected: { count: number; withControl: boolean }, ctx: AnalysisContext = {}): Promise<SweepSummary> {
  const L = runner.numLayers;
  const tick = progressReporter(ctx, 'patching', expected.count * 3 * (L + 1) * (expected.withControl ? 2 : 1));
  let done = 0;
  const mirror: ItemShifts[] = [];
  const control: ItemShifts[] = [];
  const skipped: NonNullable<SweepSummary['skipped']> = [];
  for await (const it of items) {
    checkCancelled(ctx);
    const r = await sweepItem(runner, it, () => tick(done++));
    mirror.push(r.mirror);
    if (r.control) control.push(r.control);
    if (!r.mirror.image.some(Number.isFinite)) {
      skipped.push({ item: mirror.length, question: it.question, reason: `not normalisable: its mirror moved the answer's log-probability by less than ${MIN_MIRROR_EFFECT_NATS} nats` });
    }
  }
  const n = mirror.length - skipped.length;
  return { layers: Array.from({ length: L + 1 }, (_, l) => l), groups: curves(mirror, L + 1), control: control.length ? curves(control, L + 1) : null, n, ...(skipped.length ? { skipped } : {}) };
}

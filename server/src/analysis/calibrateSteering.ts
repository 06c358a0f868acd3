import type { CalibrationPoint, SteeringCalibration } from '../../../protocol/requests';
import type { ModelRunner } from '../run/modelRunner';
import { AnalysisContext, checkCancelled, progressReporter } from './analysisContext';
import { gridOf, heldOutItems } from './heldOutItems';
import { IdBank } from './idBank';
import { sceneCanvasOf } from '../scenes/sceneGeometry';
import { wilsonInterval } from './math/confidence';
import { steerOnce } from './steerObject';

/**
 * Calibrates a bank's default steering factor (METHOD.md 3). The factor is relative to the object
 * token's norm, and how much of it a model needs differs: on the bundled model the paper's 5 lets
 * random noise of the same norm flip 29% of answers while factor 1 already flips all of them.
 * Each factor is swept over held-out items at every candidate layer; the chosen factor is the
 * smallest at which the steering effect beyond its matched-norm noise control saturates.
 */

export const CALIBRATION_FACTORS: readonly number[] = [0.25, 0.5, 1, 2, 3, 5];
export const CALIBRATION_ITEMS = 20;
/** Other scenes than steer's default seed (1) draws: the factor is not fitted on the items it is judged on. */
export const CALIBRATION_SEED = 0x5ca1e;
/** "Within a few points of the best": one item in 20. */
export const SATURATION_TOLERANCE = 0.05;
/** Steering that beats its noise control by less is no effect to calibrate on (4 items in 20). */
export const MIN_SEPARATION = 0.2;
/** Layers tried on deep models (the middle third, as the paper sweeps): bounds the cost to factors x this x 2 runs per item. */
const MAX_CANDIDATE_LAYERS = 8;

/** Single layers tried as bands: 1..L-1 (the last layer's object token cannot reach the answer), or up to 8 across the middle third. */
export function candidateLayers(numLayers: number): number[] {
  const all = Array.from({ length: Math.max(1, numLayers - 1) }, (_, k) => k + 1);
  if (all.length <= MAX_CANDIDATE_LAYERS) return all;
  const lo = Math.floor(numLayers / 3);
  const hi = Math.ceil((2 * numLayers) / 3);
  const picks = Array.from({ length: MAX_CANDIDATE_LAYERS }, (_, k) => Math.round(lo + ((hi - lo) * k) / (MAX_CANDIDATE_LAYERS - 1)));
  return [...new Set(picks)];
}

const effect = (p: CalibrationPoint) => (p.steering.n > 0 ? p.steering.rate - p.noise.rate : -Infinity);

/** The smallest factor whose effect (steering minus noise flip rate) is within `tolerance` of the best, among those reaching `minSeparation`. */
export function chooseFactor(sweep: readonly CalibrationPoint[], tolerance = SATURATION_TOLERANCE, minSeparation = MIN_SEPARATION): CalibrationPoint | null {
  const working = sweep.filter((p) => effect(p) >= minSeparation - 1e-9);
  if (!working.length) return null;
  const best = Math.max(...working.map(effect));
  return working.filter((p) => effect(p) >= best - tolerance - 1e-9).reduce((a, b) => (b.factor < a.factor ? b : a));
}

interface Tally {
  flips: number;
  noiseFlips: number;
  n: number;
}

const key = (factor: number, layer: number) => `${factor}@${layer}`;

/** One pass over the held-out items: steering and noise flips for every (factor, layer) asked for. */
async function measure(runner: ModelRunner, bank: IdBank, pass: { factors: readonly number[]; layers: readonly number[] }, opts: { items: number; seed: number; label: string }, ctx: AnalysisContext): Promise<Map<string, Tally>> {
  const relation = bank.meta.kind === 'temporal' ? 'beforeAfter' : 'leftRight';
  const tally = new Map<string, Tally>();
  for (const f of pass.factors) for (const l of pass.layers) tally.set(key(f, l), { flips: 0, noiseFlips: 0, n: 0 });
  const runs = pass.factors.length * pass.layers.length;
  const tick = progressReporter(ctx, opts.label, opts.items * runs);
  let i = -1;
  // the model's own canvas, as steer --batch draws its items: calibrated on the pictures it is used on
  for await (const it of heldOutItems(relation, opts.items, opts.seed, { canvas: sceneCanvasOf(runner.model), grid: gridOf(bank) })) {
    i++;
    checkCancelled(ctx);
    const media = { encoded: await runner.encode(it.frames ? { frames: it.frames } : { pixels: it.pixels! }) };
    const words = [it.subject, it.other];
    const before = await runner.forward({ media, question: it.question, answers: it.answers, capture: { layers: [...pass.layers], positions: { words } }, maxNewTokens: 1 });
    let r = 0;
    for (const layer of pass.layers) {
      for (const factor of pass.factors) {
        tick(i * runs + r++);
        const o = await steerOnce(
          runner,
          bank,
          { media, question: it.question, answers: it.answers, subject: it.subject, sourceCell: it.subjectCell, targetCell: it.otherCell, other: { word: it.other, cell: it.otherCell }, layers: [layer], factor, seed: opts.seed + i },
          before,
        );
        const t = tally.get(key(factor, layer))!;
        t.n++;
        t.flips += o.flipped ? 1 : 0;
        t.noiseFlips += o.flippedNoise ? 1 : 0;
      }
    }
  }
  return tally;
}

function pointOf(factor: number, layer: number, t: Tally): CalibrationPoint {
  const rate = (k: number) => ({ ...wilsonInterval(k, t.n), n: t.n });
  return { factor, layers: [layer], steering: rate(t.flips), noise: rate(t.noiseFlips) };
}

const pct = (v: number) => `${Math.round(100 * v)}%`;

/**
 * Measures the bank's default steering factor on `items` held-out scenes (clips for a temporal
 * bank). Two passes keep it cheap: the largest factor at every candidate layer, then the smaller
 * factors only at layers that flipped at least `minSeparation` there (flips grow with the factor,
 * so a layer that barely moves the answer at the largest cannot beat noise by that at a smaller one).
 * Cancellable between runs (ctx, and the runner's cancellation inside each forward pass).
 */
export async function calibrateSteering(runner: ModelRunner, bank: IdBank, opts: { items?: number; seed?: number; factors?: readonly number[] } = {}, ctx: AnalysisContext = {}): Promise<SteeringCalibration> {
  const items = opts.items ?? CALIBRATION_ITEMS;
  const seed = opts.seed ?? CALIBRATION_SEED;
  const factors = [...(opts.factors ?? CALIBRATION_FACTORS)].sort((a, b) => a - b);
  const largest = factors[factors.length - 1];
  const layers = candidateLayers(runner.numLayers);
  const first = await measure(runner, bank, { factors: [largest], layers }, { items, seed, label: `calibrating steering at factor ${largest}` }, ctx);
  const kept = layers.filter((l) => {
    const t = first.get(key(largest, l))!;
    return t.n > 0 && t.flips / t.n >= MIN_SEPARATION;
  });
  const smaller = factors.slice(0, -1);
  const second = kept.length && smaller.length ? await measure(runner, bank, { factors: smaller, layers: kept }, { items, seed, label: 'calibrating steering at smaller factors' }, ctx) : new Map<string, Tally>();
  // each factor at its best layer: the largest steering-minus-noise rate, the lower layer on ties
  const sweep = factors.flatMap((f) => {
    const tried = f === largest ? layers : kept;
    const points = tried.map((l) => pointOf(f, l, (f === largest ? first : second).get(key(f, l))!));
    return points.length ? [points.reduce((a, b) => (effect(b) > effect(a) ? b : a))] : [];
  });
  const chosen = chooseFactor(sweep);
  const at = (p: CalibrationPoint) => `factor ${p.factor} at layer ${p.layers.join('-')}: steering ${pct(p.steering.rate)} vs noise ${pct(p.noise.rate)} (n ${p.steering.n})`;
  const n = sweep[0]?.steering.n ?? 0;
  const note = chosen
    ? `smallest factor within ${pct(SATURATION_TOLERANCE)} of the best steering-minus-noise rate: ${at(chosen)}`
    : n === 0
      ? `the model gave neither answer word on any of the ${items} held-out items`
      : `steering beat noise by under ${pct(MIN_SEPARATION)} at every factor (best ${sweep.length ? at(sweep.reduce((a, b) => (effect(b) > effect(a) ? b : a))) : 'none'})`;
  return {
    factor: chosen?.factor ?? null,
    chosen,
    sweep,
    candidateLayers: layers,
    pruned: layers.filter((l) => !kept.includes(l)),
    relation: bank.meta.kind === 'temporal' ? 'beforeAfter' : 'leftRight',
    items,
    seed,
    tolerance: SATURATION_TOLERANCE,
    minSeparation: MIN_SEPARATION,
    note,
  };
}

import type { AddIntervention, RateWithInterval, SteerOutcome } from '../../../protocol/requests';
import type { ModelRunner, RunIntervention, RunMedia } from '../run/modelRunner';
import { AnalysisContext, badAnalysisRequest, checkCancelled, progressReporter } from './analysisContext';
import { IdBank, cellIds } from './idBank';
import { wilsonInterval } from './math/confidence';
import { randomDirection, rescaleTo, steeringDelta } from './math/steeringVectors';
import { norm } from './math/vectorOps';
import { SeededRandom } from '../scenes/random';
import { WHOLE_ANSWER_TOKENS, wholeAnswerScores } from './answerScores';

/**
 * Steering (METHOD.md 3): at each chosen layer, add ID(target) - ID(source) rescaled to
 * factor x ||h[l, tok(X)]|| at X's token, and (optionally) the opposite move at the other object's
 * token; the control adds random Gaussian directions of the same norms in the same call.
 */

/** The paper's factor: the fallback for a bank without a calibrated one (calibrateSteering.ts). */
export const DEFAULT_STEERING_FACTOR = 5;

export interface ChosenFactor {
  factor: number;
  source: 'request' | 'bank' | 'default';
  /** Why the default was used, when it was. */
  note?: string;
}

/** The factor a steering request uses: its own, else the bank's calibrated one, else the paper's with the reason. */
export function steeringFactorFor(bank: IdBank, requested: number | undefined): ChosenFactor {
  if (requested !== undefined) return { factor: requested, source: 'request' };
  const c = bank.meta.calibration;
  if (c?.factor) return { factor: c.factor, source: 'bank' };
  const why = c
    ? `its calibration found no factor at which steering beat the noise control by ${Math.round(100 * c.minSeparation)} points (${c.note})`
    : 'this ID bank has no calibrated steering factor (derived before calibration, or with calibrationItems 0); derive it again to calibrate';
  return { factor: DEFAULT_STEERING_FACTOR, source: 'default', note: `Factor ${DEFAULT_STEERING_FACTOR} (the paper's) is used: ${why}.` };
}

export interface SteerRequest {
  media: RunMedia;
  question: string;
  answers: string[];
  subject: string;
  /** Bank rows (cells or frames) the subject moves from and to. */
  sourceCell: number;
  targetCell: number;
  /** The other object, moved the opposite way (target -> source) when given. */
  other?: { word: string; cell: number };
  layers: number[];
  factor: number;
  /** Seed of the noise control's directions. */
  seed: number;
  /** Return the steering additions (vectors as arrays) with the outcome. */
  reportInterventions?: boolean;
  /**
   * Generate whole answers and score each under every run (single inputs: a grounding answer is
   * several tokens). Off, only the first answer token is generated: batches ask two-way questions,
   * decided by their answer words.
   */
  wholeAnswers?: boolean;
}

interface Planned {
  word: string;
  from: number;
  to: number;
}

function interventionsFor(bank: IdBank, plan: Planned[], norms: Map<string, number[]>, layers: number[], factor: number, noiseSeed: number | null): RunIntervention[] {
  const out: RunIntervention[] = [];
  const H = bank.meta.hiddenSize;
  plan.forEach((p, k) => {
    for (const l of layers) {
      const ids = cellIds(bank, l);
      const stateNorm = norms.get(p.word)![l];
      const delta = steeringDelta(ids[p.to], ids[p.from], stateNorm, factor);
      const vector = noiseSeed === null ? delta : rescaleTo(randomDirection(H, SeededRandom.derive(noiseSeed, k * 1000 + l).int(2 ** 31)), norm(delta));
      out.push({ kind: 'add', layer: l, positions: { words: [p.word] }, vector });
    }
  });
  return out;
}

/** Answer before, after steering and after noise of the same norms, with log-probabilities. */
export async function steerOnce(runner: ModelRunner, bank: IdBank, req: SteerRequest, before?: Awaited<ReturnType<ModelRunner['forward']>>): Promise<SteerOutcome> {
  const cells = bank.universal[0].length;
  for (const c of [req.sourceCell, req.targetCell, req.other?.cell ?? 0]) {
    if (!Number.isInteger(c) || c < 0 || c >= cells) throw badAnalysisRequest(`Cell ${c} is not in the ID bank, which has cells 0 to ${cells - 1}.`);
  }
  if (!req.layers.length) throw badAnalysisRequest('Choose at least one layer to steer at.');
  // ID(target) - ID(source) is zero then: there is no direction to move in.
  if (req.sourceCell === req.targetCell) throw badAnalysisRequest(`"${req.subject}" is already read at cell ${req.targetCell}, the target: choose another target cell to move it to.`);
  const words = [req.subject, ...(req.other ? [req.other.word] : [])];
  const media = { encoded: await runner.encode(req.media) };
  const maxNewTokens = req.wholeAnswers ? WHOLE_ANSWER_TOKENS : 1;
  const base = before ?? (await runner.forward({ media, question: req.question, answers: req.answers, capture: { layers: req.layers, positions: { words } }, maxNewTokens }));
  const norms = new Map<string, number[]>();
  for (const w of words) {
    const pos = runner.wordPosition(base.prompt, w, req.question);
    const perLayer: number[] = [];
    for (const l of req.layers) perLayer[l] = norm(base.hidden.get(l)!.get(pos)!);
    norms.set(w, perLayer);
  }
  const plan: Planned[] = [{ word: req.subject, from: req.sourceCell, to: req.targetCell }];
  if (req.other) plan.push({ word: req.other.word, from: req.targetCell, to: req.sourceCell });
  const run = (interventions: RunIntervention[]) => runner.forward({ media, question: req.question, answers: req.answers, interventions, maxNewTokens });
  const steering = interventionsFor(bank, plan, norms, req.layers, req.factor, null);
  const steered = await run(steering);
  const noise = await run(interventionsFor(bank, plan, norms, req.layers, req.factor, req.seed));
  // With two or more answer words the model's answer is the one it prefers (the higher log-probability),
  // whatever text it generates: an untrained or chatty model still has a belief to flip. Otherwise
  // the answer is a phrase ("row 2 column 1"): it changed when the whole generated answer did.
  const prefers = req.answers.length >= 2 ? preferredAnswer(base.logprobs, req.answers) : undefined;
  const changed = (out: { answer: string; logprobs: Record<string, number> }) => (prefers !== undefined ? preferredAnswer(out.logprobs, req.answers) !== prefers : out.answer !== base.answer);
  const wholeAnswers = req.wholeAnswers ? await wholeAnswerScores(runner, { before: base, steered, noise }) : undefined;
  return {
    answerBefore: base.answer,
    answerAfter: steered.answer,
    answerNoise: noise.answer,
    flipped: changed(steered),
    flippedNoise: changed(noise),
    logprobsBefore: base.logprobs,
    logprobsAfter: steered.logprobs,
    logprobsNoise: noise.logprobs,
    changedBy: prefers !== undefined ? 'answerWords' : 'wholeAnswer',
    ...(wholeAnswers ? { wholeAnswers } : {}),
    ...(req.reportInterventions ? { interventions: steering.map((iv) => ({ ...iv, vector: Array.from(iv.kind === 'add' ? iv.vector : []) }) as AddIntervention) } : {}),
  };
}

/** The answer word of highest log-probability (the first on a tie). */
export function preferredAnswer(logprobs: Record<string, number>, answers: readonly string[]): string {
  return answers.reduce((best, w) => ((logprobs[w] ?? -Infinity) > (logprobs[best] ?? -Infinity) ? w : best));
}

export interface BatchItem {
  media: RunMedia;
  question: string;
  answers: [string, string];
  subject: string;
  other: string;
  subjectCell: number;
  otherCell: number;
}

export interface LayerBandResult {
  layers: number[];
  steering: RateWithInterval;
  noise: RateWithInterval;
  /** Mean change of log P(answer before) under steering and under noise. */
  meanDeltaLogprobSteering: number;
  meanDeltaLogprobNoise: number;
}

/**
 * Flip rates per layer band over a batch: the subject and the other object swap places in ID
 * space. `items` is consumed one at a time (a lazy stream of `count` items), checking
 * cancellation before each item and each band.
 */
export async function steerBatch(runner: ModelRunner, bank: IdBank, items: AsyncIterable<BatchItem> | Iterable<BatchItem>, count: number, bands: number[][], opts: { factor: number; seed: number }, ctx: AnalysisContext = {}): Promise<LayerBandResult[]> {
  const tally = bands.map(() => ({ flips: 0, noiseFlips: 0, n: 0, dSteer: 0, dNoise: 0 }));
  const tick = progressReporter(ctx, 'steering', count * bands.length);
  const all = [...new Set(bands.flat())];
  let i = -1;
  for await (const it of items) {
    i++;
    checkCancelled(ctx);
    const media = { encoded: await runner.encode(it.media) };
    const before = await runner.forward({ media, question: it.question, answers: it.answers, capture: { layers: all, positions: { words: [it.subject, it.other] } }, maxNewTokens: 1 });
    const preferred = preferredAnswer(before.logprobs, it.answers);
    for (let b = 0; b < bands.length; b++) {
      tick(i * bands.length + b);
      const o = await steerOnce(
        runner,
        bank,
        { media, question: it.question, answers: it.answers, subject: it.subject, sourceCell: it.subjectCell, targetCell: it.otherCell, other: { word: it.other, cell: it.otherCell }, layers: bands[b], factor: opts.factor, seed: opts.seed + i },
        before,
      );
      const t = tally[b];
      t.n++;
      t.flips += o.flipped ? 1 : 0;
      t.noiseFlips += o.flippedNoise ? 1 : 0;
      t.dSteer += o.logprobsAfter[preferred] - o.logprobsBefore[preferred];
      t.dNoise += o.logprobsNoise[preferred] - o.logprobsBefore[preferred];
    }
  }
  return bands.map((layers, b) => {
    const t = tally[b];
    const rate = (k: number) => {
      const w = wilsonInterval(k, t.n);
      return { rate: w.rate, low: w.low, high: w.high, n: t.n };
    };
    return { layers, steering: rate(t.flips), noise: rate(t.noiseFlips), meanDeltaLogprobSteering: t.dSteer / Math.max(1, t.n), meanDeltaLogprobNoise: t.dNoise / Math.max(1, t.n) };
  });
}

/** Single layers 1..L and bands of two neighbouring layers: the sweep the batch mode reports. */
export function defaultBands(numLayers: number): number[][] {
  const singles = Array.from({ length: numLayers }, (_, k) => [k + 1]);
  const pairs = Array.from({ length: numLayers - 1 }, (_, k) => [k + 1, k + 2]);
  return [...singles, ...pairs];
}

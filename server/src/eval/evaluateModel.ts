import { performance } from 'node:perf_hooks';
import { clipQuestions, drawClip, drawClipItem, drawScene, drawSceneItem, sceneQuestions } from '../dataset/trainingMixture';
import { ANSWER_WORDS, QUESTION_FAMILIES, QuestionAnswer, QuestionFamily } from '../scenes/questions';
import { SeededRandom } from '../scenes/random';
import { RgbImage, renderClip, renderScene } from '../scenes/renderScene';
import type { EncodedMedia } from '../model/visionLanguageModel';
import { ModelRunner } from '../run/modelRunner';
import { DEFAULT_INDEPENDENT_PICTURES, IndependentReport, evaluateIndependent } from './evaluateIndependent';

/**
 * Accuracy of a model folder on a fresh held-out set drawn from the training distribution
 * (server/src/dataset/trainingMixture.ts), answered by greedy decoding through the run API
 * (ModelRunner.forward, the instrumented decoder fed zero deltas), the path every panel, palette
 * and CLI request takes: the model card's figures are those of the answers users see.
 *
 * Held out by construction: SeededRandom.derive(seed, key) mixes `seed ^ key` through a
 * bijection, so two items share a random stream only if their seed ^ key are equal. The
 * training export uses seeds and keys below 2^31 (scene i, clip 2^30 + i); evaluation keys all
 * carry bit 31 and evaluation seeds stay below 2^31, so seed ^ key differs in bit 31 and no
 * evaluation item can replay a training item, whatever the two seeds are.
 *
 * Three lines: the classic scene-engine set (the distribution the model card's figures have
 * always used), held-out draws of the widened training distribution (issue 17), and the
 * independent SVG set (evaluateIndependent.ts).
 */

export const EVAL_STREAM = 0x80000000;
const EVAL_CLIP_STREAM = EVAL_STREAM + 0x40000000;
/** The widened distribution's held-out items: bit 31 set as above, apart from the classic streams and the independent set's 0xe0000000. */
const EVAL_WIDENED_STREAM = EVAL_STREAM + 0x20000000;
const EVAL_WIDENED_CLIP_STREAM = EVAL_STREAM + 0x50000000;
export const DEFAULT_EVAL_SEED = 424242;
const IMAGE_FAMILIES: QuestionFamily[] = ['leftRight', 'aboveBelow', 'colour', 'grounding'];
const RENDER_BATCH = 16;
const MAX_NEW_TOKENS = 8;
const LATENCY_WARMUP = 5;
const LATENCY_RUNS = 50;

export interface EvalOptions {
  model: string;
  perFamily: number;
  seed: number;
  threads: number;
  /** Pictures of the independent set (evaluateIndependent.ts); 0 leaves it out. */
  independentPictures?: number;
  /** Questions per family on held-out draws of the widened distribution (scenes/widenedScenes.ts); 0 leaves it out; default perFamily. */
  widenedPerFamily?: number;
  onProgress?: (message: string) => void;
}

export interface Tally {
  n: number;
  accuracy: number;
}

export interface FamilyResult extends Tally {
  /** Binary families only: accuracy among the questions whose true answer is each word. */
  perAnswer?: Record<string, Tally>;
}

export interface EvalReport {
  model: string;
  seed: number;
  perFamilyTarget: number;
  families: Partial<Record<QuestionFamily, FamilyResult>>;
  overall: Tally;
  /** Median wall time, in ms, of one image question's ModelRunner.forward up to its first logits (preprocess, tokenise, vision encoder, embed_tokens, decoder prefill, answer log-probabilities; no generation), 1 thread. */
  medianForwardMs: number;
  forwardRuns: number;
  /** The same model on pictures the scene engine did not draw (independentPictures.ts), same seed. */
  independent?: IndependentReport;
  /** The same model on held-out draws of the widened training distribution, canvases given at their own size (the preprocessor resizes them). */
  widened?: { perFamilyTarget: number; families: Partial<Record<QuestionFamily, FamilyResult>>; overall: Tally };
  seconds: number;
}

interface Counter {
  right: number;
  total: number;
}

class Scoreboard {
  private readonly counters = new Map<string, Counter>();

  count(family: QuestionFamily): number {
    return this.counters.get(family)?.total ?? 0;
  }

  add(qa: QuestionAnswer, correct: boolean): void {
    for (const key of [qa.family, `${qa.family}/${qa.answer}`]) {
      const c = this.counters.get(key) ?? { right: 0, total: 0 };
      c.total++;
      if (correct) c.right++;
      this.counters.set(key, c);
    }
  }

  report(): { families: Partial<Record<QuestionFamily, FamilyResult>>; overall: Tally } {
    const tally = (c: Counter | undefined): Tally => ({ n: c?.total ?? 0, accuracy: c && c.total ? c.right / c.total : 0 });
    const families: Partial<Record<QuestionFamily, FamilyResult>> = {};
    const all: Counter = { right: 0, total: 0 };
    for (const family of QUESTION_FAMILIES) {
      const c = this.counters.get(family);
      if (!c) continue;
      all.right += c.right;
      all.total += c.total;
      const words = ANSWER_WORDS[family];
      families[family] = tally(c);
      if (words) families[family].perAnswer = Object.fromEntries(words.map((w) => [w, tally(this.counters.get(`${family}/${w}`))]));
    }
    return { families, overall: tally(all) };
  }
}

interface StreamOptions<T, R> {
  families: QuestionFamily[];
  perFamily: number;
  board: Scoreboard;
  runner: ModelRunner;
  draw: (index: number) => { item: T; qs: QuestionAnswer[] };
  render: (item: T) => Promise<R>;
  encode: (rendered: R) => Promise<EncodedMedia>;
  progress: () => void;
}

/** Draws items in order, keeping each family's questions until it has `perFamily`, and answers them. */
async function runStream<T, R>(opts: StreamOptions<T, R>): Promise<void> {
  const { families, perFamily, board, runner } = opts;
  const taken = new Map<QuestionFamily, number>();
  const enough = () => families.every((f) => (taken.get(f) ?? 0) >= perFamily);
  let index = 0;
  let sinceLastKept = 0;
  while (!enough()) {
    const batch: Array<{ item: T; qs: QuestionAnswer[] }> = [];
    while (batch.length < RENDER_BATCH && !enough()) {
      const drawn = opts.draw(index++);
      const qs = drawn.qs.filter((q) => {
        const have = taken.get(q.family) ?? 0;
        if (!families.includes(q.family) || have >= perFamily) return false;
        taken.set(q.family, have + 1);
        return true;
      });
      sinceLastKept = qs.length ? 0 : sinceLastKept + 1;
      if (sinceLastKept > 10000) throw new Error(`Drew 10000 items in a row without a needed question: the mixture never asks one of ${families.join(', ')}.`);
      if (qs.length) batch.push({ item: drawn.item, qs });
    }
    // sharp renders the batch on its own threads; the model then runs one item at a time.
    const rendered = await Promise.all(batch.map((b) => opts.render(b.item)));
    for (let k = 0; k < batch.length; k++) {
      const media = await opts.encode(rendered[k]);
      for (const qa of batch[k].qs) {
        const run = await runner.forward({ media: { encoded: media }, question: qa.question, maxNewTokens: MAX_NEW_TOKENS });
        board.add(qa, run.answer === qa.answer);
      }
    }
    opts.progress();
  }
}

const pct = (t: Tally) => `${t.accuracy.toFixed(3)} (n=${t.n})`;

/** Lines for a person: the widened held-out line, per family (and answer), printed beside the classic and independent ones. */
export function widenedSummary(w: NonNullable<EvalReport['widened']>, seed: number): string[] {
  return [
    `widened held-out set (scene engine, widened distribution: canvases 64-400 px, any background, shaded colours; seed ${seed}): overall ${pct(w.overall)}`,
    ...Object.entries(w.families).map(([f, t]) => `  ${f}: ${pct(t)}${t.perAnswer ? ` [${Object.entries(t.perAnswer).map(([a, v]) => `${a} ${pct(v)}`).join(', ')}]` : ''}`),
  ];
}

/** Median wall time of one image question's forward pass (encoders, embedding, prefill; no generation). */
async function measureForwardMs(runner: ModelRunner, image: RgbImage, question: string): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < LATENCY_WARMUP + LATENCY_RUNS; r++) {
    const t0 = performance.now();
    await runner.forward({ media: { pixels: image }, question, maxNewTokens: 0 });
    if (r >= LATENCY_WARMUP) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}

function sceneItem(seed: number, i: number) {
  const rng = SeededRandom.derive(seed, EVAL_STREAM + i);
  const item = drawScene(rng);
  return { item, qs: sceneQuestions(rng, item) };
}

function clipItem(seed: number, i: number) {
  const rng = SeededRandom.derive(seed, EVAL_CLIP_STREAM + i);
  const item = drawClip(rng);
  return { item, qs: clipQuestions(rng, item) };
}

function widenedSceneItem(seed: number, i: number) {
  const { scene, qs } = drawSceneItem('widened', SeededRandom.derive(seed, EVAL_WIDENED_STREAM + i));
  return { item: scene, qs };
}

function widenedClipItem(seed: number, i: number) {
  const { clip, qs } = drawClipItem('widened', SeededRandom.derive(seed, EVAL_WIDENED_CLIP_STREAM + i));
  return { item: clip, qs };
}

export async function evaluateModel(opts: EvalOptions): Promise<EvalReport> {
  if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed >= 2 ** 31) {
    throw new Error(`The evaluation seed must be a whole number from 0 to 2^31 - 1 (got ${opts.seed}): that keeps it apart from every training stream.`);
  }
  const started = performance.now();
  const runner = await ModelRunner.load(opts.model, { threads: opts.threads });
  const latencyRunner = opts.threads === 1 ? runner : await ModelRunner.load(opts.model, { threads: 1 });
  try {
    const board = new Scoreboard();
    let lastReport = performance.now();
    const progress = (force = false) => {
      if (!force && performance.now() - lastReport < 5000) return;
      lastReport = performance.now();
      const counts = QUESTION_FAMILIES.map((f) => `${f} ${board.count(f)}`).join(', ');
      opts.onProgress?.(`answered ${counts} (of ${opts.perFamily} each), ${((performance.now() - started) / 1000).toFixed(0)} s`);
    };

    const first = sceneItem(opts.seed, 0);
    const medianForwardMs = await measureForwardMs(latencyRunner, await renderScene(first.item), first.qs[0].question);
    opts.onProgress?.(`median single-image forward: ${medianForwardMs.toFixed(2)} ms (1 thread, ${LATENCY_RUNS} runs)`);

    await runStream({
      families: IMAGE_FAMILIES, perFamily: opts.perFamily, board, runner, progress,
      draw: (i) => sceneItem(opts.seed, i),
      render: renderScene,
      encode: (image) => runner.encode({ pixels: image }),
    });
    if (runner.model.folder.onnx.videoEncoder) {
      await runStream({
        families: ['beforeAfter'], perFamily: opts.perFamily, board, runner, progress,
        draw: (i) => clipItem(opts.seed, i),
        render: renderClip,
        encode: (frames) => runner.encode({ frames }),
      });
    }
    progress(true);
    const widenedPerFamily = opts.widenedPerFamily ?? opts.perFamily;
    let widened: EvalReport['widened'];
    if (widenedPerFamily > 0) {
      const wide = new Scoreboard();
      const wideProgress = () => {
        if (performance.now() - lastReport < 5000) return;
        lastReport = performance.now();
        opts.onProgress?.(`widened set: ${QUESTION_FAMILIES.map((f) => `${f} ${wide.count(f)}`).join(', ')} (of ${widenedPerFamily} each)`);
      };
      await runStream({
        families: IMAGE_FAMILIES, perFamily: widenedPerFamily, board: wide, runner, progress: wideProgress,
        draw: (i) => widenedSceneItem(opts.seed, i),
        render: renderScene,
        encode: (image) => runner.encode({ pixels: image }),
      });
      if (runner.model.folder.onnx.videoEncoder) {
        await runStream({
          families: ['beforeAfter'], perFamily: widenedPerFamily, board: wide, runner, progress: wideProgress,
          draw: (i) => widenedClipItem(opts.seed, i),
          render: renderClip,
          encode: (frames) => runner.encode({ frames }),
        });
      }
      widened = { perFamilyTarget: widenedPerFamily, ...wide.report() };
    }
    const pictures = opts.independentPictures ?? DEFAULT_INDEPENDENT_PICTURES;
    const independent = pictures > 0 ? await evaluateIndependent(runner, { pictures, seed: opts.seed, onProgress: opts.onProgress }) : undefined;
    return {
      model: opts.model,
      seed: opts.seed,
      perFamilyTarget: opts.perFamily,
      ...board.report(),
      medianForwardMs,
      forwardRuns: LATENCY_RUNS,
      ...(independent ? { independent } : {}),
      ...(widened ? { widened } : {}),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    if (latencyRunner !== runner) await latencyRunner.dispose();
    await runner.dispose();
  }
}

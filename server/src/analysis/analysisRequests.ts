import type {
  DeriveIdsParams,
  IdBankSummary,
  MediaRef,
  SweepPatchesParams,
  SweepPatchesResult,
  ProbeParams,
  ProbeResult,
  SteerParams,
  SteerResult,
} from '../../../protocol/requests';
import type { ModelRunner } from '../run/modelRunner';
import { answerWordsOf } from '../run/tokenPositions';
import { AnalysisContext, badAnalysisRequest, checkCancelled } from './analysisContext';
import { checkOutputFile } from '../files/outputFile';
import { deriveSpatialIds, planSpatialIds } from './deriveSpatialIds';
import { checkClipFrames, deriveTemporalIds, planTemporalIds } from './deriveTemporalIds';
import { RelationItem, gridOf, heldOutItems } from './heldOutItems';
import { sceneCanvasOf } from '../scenes/sceneGeometry';
import { IdBank, checkBankFits, loadIdBank, saveIdBank } from './idBank';
import { baselineFields, summariseBank } from './idViews';
import { objectsInQuestion } from './objectWords';
import { sweepPatchesOver } from './sweepPatches';
import { probeObjects } from './probeObjects';
import { ChosenFactor, defaultBands, steerBatch, steerOnce, steeringFactorFor } from './steerObject';
import { CALIBRATION_ITEMS, calibrateSteering } from './calibrateSteering';
import { sweepItemFromFile, sweepItemFromScene } from './sweepItems';

/**
 * The analyses as requests: the same params and results for the JSON-RPC methods, the CLI
 * commands and experiment files (protocol types), each a plain function of a loaded model.
 */

export interface AnalysisDeps {
  /** Loads another model folder (the random-init baseline of derive-ids). */
  loadModel?: (dir: string) => Promise<ModelRunner>;
}

const DEFAULT_BATCH_SEED = 1;

/**
 * Derives an ID bank. `out` is checked before any work (its folder exists, it is not there
 * unless overwrite === true) and written only once everything, the baseline included, has
 * succeeded: a failed or cancelled derivation leaves no file.
 */
export async function deriveIds(runner: ModelRunner, params: DeriveIdsParams, kind: 'spatial' | 'temporal', ctx: AnalysisContext = {}, deps: AnalysisDeps = {}): Promise<IdBankSummary> {
  const started = Date.now();
  const out = params.out ? checkOutputFile(params.out, { overwrite: params.overwrite, what: 'ID bank' }) : null;
  const derive = async (r: ModelRunner, c: AnalysisContext): Promise<IdBank> => {
    if (kind === 'spatial') return deriveSpatialIds(r, planSpatialIds({ objects: params.objects, grid: params.grid, sizes: params.sizes, seed: params.seed }), c);
    const frames = checkClipFrames(r, params.frames);
    return deriveTemporalIds(r, planTemporalIds({ objects: params.objects, frames, seed: params.seed }), c);
  };
  const bank = await derive(runner, ctx);
  const calibrationItems = params.calibrationItems ?? CALIBRATION_ITEMS;
  if (calibrationItems > 0) bank.meta.calibration = await calibrateSteering(runner, bank, { items: calibrationItems }, ctx);
  const summary = summariseBank(bank, out, 0);
  if (bank.meta.calibration) summary.calibration = bank.meta.calibration;
  if (params.baseline && deps.loadModel) {
    const baseline = await deps.loadModel(params.baseline);
    try {
      const views = summariseBank(await derive(baseline, { ...ctx, progress: (m, f) => ctx.progress?.(`baseline: ${m}`, f) }), null, 0);
      Object.assign(summary, baselineFields(views, baseline.info().dir));
    } finally {
      await baseline.dispose();
    }
  }
  checkCancelled(ctx);
  if (out) saveIdBank(out, bank, { overwrite: params.overwrite });
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

async function deriveDefaultBank(runner: ModelRunner, kind: 'spatial' | 'temporal', ctx: AnalysisContext): Promise<IdBank> {
  if (kind === 'spatial') return deriveSpatialIds(runner, planSpatialIds(), ctx);
  return deriveTemporalIds(runner, planTemporalIds({ frames: checkClipFrames(runner, undefined) }), ctx);
}

/** Default banks derived in memory, per loaded model: every later request without a bank reuses them. */
const defaultBanks = new WeakMap<ModelRunner, Map<'spatial' | 'temporal', IdBank>>();

/** The bank named by a request, checked against the model; derived in memory with defaults (once per model) when none is named. */
export async function bankFor(runner: ModelRunner, file: string | undefined, kind: 'spatial' | 'temporal', ctx: AnalysisContext): Promise<IdBank> {
  if (file) {
    const bank = loadIdBank(file);
    checkBankFits(bank, runner.info(), kind);
    return bank;
  }
  let banks = defaultBanks.get(runner);
  if (!banks) defaultBanks.set(runner, (banks = new Map()));
  let bank = banks.get(kind);
  if (!bank) banks.set(kind, (bank = await deriveDefaultBank(runner, kind, ctx)));
  return bank;
}

export const kindOfMedia = (m: MediaRef | undefined): 'spatial' | 'temporal' => (m && 'video' in m ? 'temporal' : 'spatial');

export async function probe(runner: ModelRunner, params: ProbeParams, ctx: AnalysisContext = {}): Promise<ProbeResult> {
  const bank = await bankFor(runner, params.bank, kindOfMedia(params.media), ctx);
  return probeObjects(runner, bank, { media: params.media, question: params.question, objects: params.objects, boxes: params.boxes, interventions: params.interventions });
}

/** Held-out items as steering inputs, one at a time as they are reached. */
async function* batchInputs(items: AsyncIterable<RelationItem>) {
  for await (const it of items) yield { ...it, media: it.frames ? { frames: it.frames } : { pixels: it.pixels! } };
}

/** Scene items with their twins, rendered one at a time as the sweep reaches them. */
async function* sweepInputs(items: AsyncIterable<RelationItem>) {
  for await (const it of items) yield await sweepItemFromScene(it);
}

/** The factor of a steering request; the default bank derived in memory is calibrated the first time steering needs it (a probe never pays for that). */
export async function factorFor(runner: ModelRunner, bank: IdBank, params: SteerParams, ctx: AnalysisContext): Promise<ChosenFactor> {
  if (params.factor === undefined && !params.bank && !bank.meta.calibration) bank.meta.calibration = await calibrateSteering(runner, bank, {}, ctx);
  return steeringFactorFor(bank, params.factor);
}

const factorFields = (c: ChosenFactor): Pick<SteerResult, 'factor' | 'factorSource' | 'factorNote'> => ({ factor: c.factor, factorSource: c.source, ...(c.note ? { factorNote: c.note } : {}) });

export async function steer(runner: ModelRunner, params: SteerParams, ctx: AnalysisContext = {}): Promise<SteerResult> {
  const seed = params.seed ?? DEFAULT_BATCH_SEED;
  if (params.batch) {
    const relation = params.relation ?? 'leftRight';
    const bank = await bankFor(runner, params.bank, relation === 'beforeAfter' ? 'temporal' : 'spatial', ctx);
    const chosen = await factorFor(runner, bank, params, ctx);
    const factor = chosen.factor;
    const bands = params.bands ?? (params.layers?.length ? [params.layers] : defaultBands(runner.numLayers));
    const perLayer = await steerBatch(runner, bank, batchInputs(heldOutItems(relation, params.batch, seed, { canvas: sceneCanvasOf(runner.model), grid: gridOf(bank) })), params.batch, bands, { factor, seed }, ctx);
    // best = the largest effect beyond the matched-norm control: noise that flips as often as
    // steering says the band only breaks the token, not that the ID moves the belief
    const effect = (r: (typeof perLayer)[number]) => r.steering.rate - r.noise.rate;
    const best = perLayer.reduce((a, b) => (effect(b) > effect(a) ? b : a));
    return { ...factorFields(chosen), perLayer, bestBand: best.layers };
  }
  if (!params.media || !params.question || !params.object || params.targetCell === undefined) {
    throw badAnalysisRequest('Steering one input needs media, question, object and targetCell (or batch for held-out scenes).');
  }
  const bank = await bankFor(runner, params.bank, kindOfMedia(params.media), ctx);
  const chosen = await factorFor(runner, bank, params, ctx);
  const layers = params.layers?.length ? params.layers : [Math.max(1, Math.round(runner.numLayers / 2))];
  // where the model believes the object is now: the probe's best cell at the band's first layer
  const other = (params.objects ?? objectsInQuestion(params.question)).find((o) => o !== params.object);
  const read = await probeObjects(runner, bank, { media: params.media, question: params.question, objects: other ? [params.object, other] : [params.object] });
  const sourceCell = read.objects[0].argmax[layers[0]];
  const otherCell = read.objects[1]?.argmax[layers[0]];
  const single = await steerOnce(runner, bank, {
    media: params.media,
    question: params.question,
    answers: params.answers ?? answerWordsOf(params.question),
    subject: params.object,
    sourceCell,
    targetCell: params.targetCell,
    other: params.opposite && other !== undefined && otherCell !== undefined ? { word: other, cell: otherCell } : undefined,
    layers,
    factor: chosen.factor,
    seed,
    reportInterventions: true,
    wholeAnswers: true,
  });
  return { ...factorFields(chosen), single };
}

export async function sweepPatches(runner: ModelRunner, params: SweepPatchesParams, ctx: AnalysisContext = {}): Promise<SweepPatchesResult> {
  if (params.batch) {
    const relation = params.relation ?? 'leftRight';
    const items = heldOutItems(relation, params.batch, params.seed ?? DEFAULT_BATCH_SEED, { distractor: true, canvas: sceneCanvasOf(runner.model) });
    return sweepPatchesOver(runner, sweepInputs(items), { count: params.batch, withControl: true }, ctx);
  }
  if (!params.media || !params.question) throw badAnalysisRequest('A patching sweep needs media and a question (or batch for held-out scenes).');
  return sweepPatchesOver(runner, [await sweepItemFromFile(runner, params.media, params.question, ctx, { objects: params.objects, answers: params.answers })], { count: 1, withControl: false }, ctx);
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  DeriveIdsParams,
  IdBankSummary,
  MediaRef,
  PatchSweepParams,
  PatchSweepResult,
  ProbeParams,
  ProbeResult,
  SteerParams,
  SteerResult,
} from '../protocol/spatialIdsProtocol';
import type { ModelRunner } from '../run/modelRunner';
import { answerWordsOf } from '../run/tokenPositions';
import { AnalysisContext, badAnalysisRequest } from './analysisContext';
import { deriveSpatialIds, planSpatialIds, renderPlan } from './deriveSpatialIds';
import { deriveTemporalIds, planTemporalIds, renderClips } from './deriveTemporalIds';
import { RelationItem, heldOutItems } from './heldOutItems';
import { IdBank, checkBankFits, loadIdBank, saveIdBank } from './idBank';
import { summariseBank } from './idViews';
import { objectsInQuestion } from './objectWords';
import { patchSweep } from './patchSweep';
import { probeObjects } from './probeObjects';
import { DEFAULT_STEERING_FACTOR, defaultBands, steerBatch, steerOnce } from './steerObject';
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

export async function deriveIdsRequest(runner: ModelRunner, params: DeriveIdsParams, kind: 'spatial' | 'temporal', ctx: AnalysisContext = {}, deps: AnalysisDeps = {}): Promise<IdBankSummary> {
  const started = Date.now();
  if (params.out && fs.existsSync(params.out) && !params.overwrite) {
    throw badAnalysisRequest(`${params.out} exists already: choose another file for the ID bank, or pass overwrite.`);
  }
  const derive = async (r: ModelRunner, c: AnalysisContext): Promise<IdBank> => {
    if (kind === 'spatial') {
      const plan = planSpatialIds({ objects: params.objects, grid: params.grid, sizes: params.sizes, seed: params.seed });
      return deriveSpatialIds(r, plan, await renderPlan(plan.items, c), c);
    }
    const plan = planTemporalIds({ objects: params.objects, frames: params.frames ?? r.model.folder.processor.num_frames, seed: params.seed });
    return deriveTemporalIds(r, plan, await renderClips(plan.items, c), c);
  };
  const bank = await derive(runner, ctx);
  if (params.out) saveIdBank(params.out, bank, { overwrite: params.overwrite });
  const summary = summariseBank(bank, params.out ? path.resolve(params.out) : null, 0);
  if (params.baseline && deps.loadModel) {
    const baseline = await deps.loadModel(params.baseline);
    try {
      const views = summariseBank(await derive(baseline, { ...ctx, progress: (m, f) => ctx.progress?.(`baseline: ${m}`, f) }), null, 0);
      summary.baselineLatticeScores = views.layers.map((v) => v.latticeScore);
      summary.baselineModel = baseline.info().dir;
    } finally {
      await baseline.dispose();
    }
  }
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

async function deriveDefaultBank(runner: ModelRunner, kind: 'spatial' | 'temporal', ctx: AnalysisContext): Promise<IdBank> {
  if (kind === 'spatial') {
    const plan = planSpatialIds();
    return deriveSpatialIds(runner, plan, await renderPlan(plan.items, ctx), ctx);
  }
  const plan = planTemporalIds({ frames: runner.model.folder.processor.num_frames });
  return deriveTemporalIds(runner, plan, await renderClips(plan.items, ctx), ctx);
}

/** Default banks derived in memory, per loaded model: every later request without a bank reuses them. */
const defaultBanks = new WeakMap<ModelRunner, Map<'spatial' | 'temporal', IdBank>>();

/** The bank named by a request, checked against the model; derived in memory with defaults (once per model) when none is named. */
async function bankFor(runner: ModelRunner, file: string | undefined, kind: 'spatial' | 'temporal', ctx: AnalysisContext): Promise<IdBank> {
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

const kindOfMedia = (m: MediaRef | undefined): 'spatial' | 'temporal' => (m && 'video' in m ? 'temporal' : 'spatial');

export async function probeRequest(runner: ModelRunner, params: ProbeParams, ctx: AnalysisContext = {}): Promise<ProbeResult> {
  const bank = await bankFor(runner, params.bank, kindOfMedia(params.media), ctx);
  return probeObjects(runner, bank, { media: params.media, question: params.question, objects: params.objects, boxes: params.boxes, interventions: params.interventions });
}

function batchInputs(items: RelationItem[]) {
  return items.map((it) => ({ ...it, media: it.frames ? { frames: it.frames } : { pixels: it.pixels! } }));
}

export async function steerRequest(runner: ModelRunner, params: SteerParams, ctx: AnalysisContext = {}): Promise<SteerResult> {
  const factor = params.factor ?? DEFAULT_STEERING_FACTOR;
  const seed = params.seed ?? DEFAULT_BATCH_SEED;
  if (params.batch) {
    const relation = params.relation ?? 'leftRight';
    const bank = await bankFor(runner, params.bank, relation === 'beforeAfter' ? 'temporal' : 'spatial', ctx);
    const items = batchInputs(await heldOutItems(relation, params.batch, seed));
    const bands = params.bands ?? (params.layers?.length ? [params.layers] : defaultBands(runner.numLayers));
    const perLayer = await steerBatch(runner, bank, items, bands, { factor, seed }, ctx);
    // best = the largest effect beyond the matched-norm control: noise that flips as often as
    // steering says the band only breaks the token, not that the ID moves the belief
    const effect = (r: (typeof perLayer)[number]) => r.steering.rate - r.noise.rate;
    const best = perLayer.reduce((a, b) => (effect(b) > effect(a) ? b : a));
    return { perLayer, bestBand: best.layers };
  }
  if (!params.media || !params.question || !params.object || params.targetCell === undefined) {
    throw badAnalysisRequest('Steering one input needs media, question, object and targetCell (or batch for held-out scenes).');
  }
  const bank = await bankFor(runner, params.bank, kindOfMedia(params.media), ctx);
  const layers = params.layers?.length ? params.layers : [Math.max(1, Math.round(runner.numLayers / 2))];
  // where the model believes the object is now: the probe's best cell at the band's first layer
  const other = objectsInQuestion(params.question).find((o) => o !== params.object);
  const read = await probeObjects(runner, bank, { media: params.media, question: params.question, objects: other ? [params.object, other] : [params.object] });
  const sourceCell = read.objects[0].argmax[layers[0]];
  const otherCell = read.objects[1]?.argmax[layers[0]];
  const single = await steerOnce(runner, bank, {
    media: params.media,
    question: params.question,
    answers: answerWordsOf(params.question),
    subject: params.object,
    sourceCell,
    targetCell: params.targetCell,
    other: params.opposite && other !== undefined && otherCell !== undefined ? { word: other, cell: otherCell } : undefined,
    layers,
    factor,
    seed,
    reportInterventions: true,
  });
  return { single };
}

export async function patchSweepRequest(runner: ModelRunner, params: PatchSweepParams, ctx: AnalysisContext = {}): Promise<PatchSweepResult> {
  if (params.batch) {
    const relation = params.relation ?? 'leftRight';
    const items = await heldOutItems(relation, params.batch, params.seed ?? DEFAULT_BATCH_SEED, { distractor: true });
    return patchSweep(runner, await Promise.all(items.map(sweepItemFromScene)), ctx);
  }
  if (!params.media || !params.question) throw badAnalysisRequest('A patching sweep needs media and a question (or batch for held-out scenes).');
  return patchSweep(runner, [await sweepItemFromFile(runner, params.media, params.question)], ctx);
}

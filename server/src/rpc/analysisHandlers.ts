import type { z } from 'zod';
import { type AnalysisMethodName, rpcMethodOf } from '../../../protocol/methods';
import type { DeriveIdsParams, IdBankSummary, ProbeParams, ProbeResult, SteerParams, SteerResult, SweepPatchesParams, SweepPatchesResult } from '../../../protocol/requests';
import { deriveIdsParamsSchema, deriveTidsParamsSchema, probeParamsSchema, steerParamsSchema, sweepPatchesParamsSchema } from '../../../protocol/requestSchemas';
import { checkParams } from '../../../protocol/requestValidation';
import type { AnalysisContext } from '../analysis/analysisContext';
import { deriveIds, probe, steer, sweepPatches } from '../analysis/analysisRequests';
import { parseObjectWord } from '../analysis/objectWords';
import type { ModelRunner } from '../run/modelRunner';
import { modelShapeOf } from './forwardCall';
import { HandlerContext, TableEntry, defineHandler } from './handlerTable';
import { loadRunner } from './loadRunner';
import { ModelShape, checkProbeAgainstModel, checkSteerAgainstModel, checkSweepPatchesAgainstModel } from './modelBounds';

/**
 * The analyses of METHOD.md as requests: each handler checks the untrusted params against their
 * schema (protocol/requestSchemas.ts), then, once the model is known, the bounds that depend on
 * it, and hands them to the same function the CLI uses (analysis/analysisRequests.ts).
 */

const analysisContext = (ctx: HandlerContext): AnalysisContext => ({ progress: (m, f) => ctx.progress(m, f), isCancelled: () => ctx.token.isCancellationRequested });

const noModelBounds = () => undefined;
const nothingMore = () => undefined;

/** The objects of a derivation are ones the scene engine draws (the protocol schema checks only their "colour shape" form): badQuestion otherwise. */
const drawableObjects = (params: DeriveIdsParams) => params.objects?.forEach(parseObjectWord);

/** One analysis request: params checked by `schema`, then against the model (`fits`), then the shared analysis function on the requested model. */
function analysisHandler<P extends { model?: string }, R>(
  method: AnalysisMethodName,
  schema: z.ZodType<P>,
  /** Checks the params need beyond their schema, still before the request waits for its turn on the model. */
  sound: (params: P) => void,
  fits: (params: P, model: ModelShape) => void,
  run: (runner: ModelRunner, params: P, ctx: AnalysisContext) => Promise<R>,
): TableEntry {
  return defineHandler<P, R>({
    method,
    parse: (raw) => {
      const params = checkParams(schema, raw, rpcMethodOf(method));
      sound(params);
      return params;
    },
    async handle(params, ctx) {
      const runner = await ctx.runner(params.model);
      fits(params, modelShapeOf(runner));
      return run(runner, params, analysisContext(ctx));
    },
  });
}

const loadBaseline = { loadModel: (dir: string) => loadRunner(dir) };

export const ANALYSIS_HANDLERS: Readonly<Record<AnalysisMethodName, TableEntry>> = {
  deriveIds: analysisHandler<DeriveIdsParams, IdBankSummary>('deriveIds', deriveIdsParamsSchema, drawableObjects, noModelBounds, (r, p, c) => deriveIds(r, p, 'spatial', c, loadBaseline)),
  deriveTids: analysisHandler<DeriveIdsParams, IdBankSummary>('deriveTids', deriveTidsParamsSchema, drawableObjects, noModelBounds, (r, p, c) => deriveIds(r, p, 'temporal', c, loadBaseline)),
  probe: analysisHandler<ProbeParams, ProbeResult>('probe', probeParamsSchema, nothingMore, checkProbeAgainstModel, probe),
  steer: analysisHandler<SteerParams, SteerResult>('steer', steerParamsSchema, nothingMore, checkSteerAgainstModel, steer),
  sweepPatches: analysisHandler<SweepPatchesParams, SweepPatchesResult>('sweepPatches', sweepPatchesParamsSchema, nothingMore, checkSweepPatchesAgainstModel, sweepPatches),
};

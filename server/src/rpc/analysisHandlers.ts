import { deriveIdsRequest as deriveIds, patchSweepRequest as patchSweep, probeRequest as probe, steerRequest as steer } from '../analysis/analysisRequests';
import type { AnalysisContext } from '../analysis/analysisContext';
import {
  DeriveIdsParams,
  IdBankSummary,
  PatchSweepParams,
  PatchSweepResult,
  ProbeParams,
  ProbeResult,
  SteerParams,
  SteerResult,
  deriveIdsRequest,
  deriveTidsRequest,
  patchSweepRequest,
  probeRequest,
  steerRequest,
} from '../../../protocol/requests';
import type { RequestType } from 'vscode-languageserver-protocol';
import type { z } from 'zod';
import { ModelShape, checkPatchSweepAgainstModel, checkProbeAgainstModel, checkSteerAgainstModel } from './modelBounds';
import { deriveIdsParamsSchema, deriveTidsParamsSchema, patchSweepParamsSchema, probeParamsSchema, steerParamsSchema } from '../../../protocol/requestSchemas';
import { checkParams } from '../../../protocol/requestValidation';
import type { ModelRunner } from '../run/modelRunner';
import { modelShapeOf } from './forwardCall';
import { HandlerContext, TableEntry, defineHandler } from './handlerTable';
import { loadRunner } from './loadRunner';

/**
 * The analyses of METHOD.md as requests: each handler checks the untrusted params against their
 * schema (protocol/requestSchemas.ts), then, once the model is known, the bounds that depend on
 * it, and hands them to the same function the CLI uses (analysis/analysisRequests.ts).
 */

const analysisContext = (ctx: HandlerContext): AnalysisContext => ({ progress: (m, f) => ctx.progress(m, f), isCancelled: () => ctx.token.isCancellationRequested });

const noModelBounds = () => undefined;

/** One analysis request: params checked by `schema`, then against the model (`fits`), then the shared analysis function on the requested model. */
function analysisHandler<P extends { model?: string }, R>(
  type: RequestType<P, R, void>,
  title: string,
  schema: z.ZodType<P>,
  fits: (params: P, model: ModelShape) => void,
  run: (runner: ModelRunner, params: P, ctx: AnalysisContext) => Promise<R>,
): TableEntry {
  return defineHandler<P, R>({
    type,
    title,
    parse: (raw) => checkParams(schema, raw, type.method),
    async handle(params, ctx) {
      const runner = await ctx.runner(params.model);
      fits(params, modelShapeOf(runner));
      return run(runner, params, analysisContext(ctx));
    },
  });
}

const loadBaseline = { loadModel: (dir: string) => loadRunner(dir) };

export const ANALYSIS_HANDLERS: readonly TableEntry[] = [
  analysisHandler<DeriveIdsParams, IdBankSummary>(deriveIdsRequest, 'Deriving spatial IDs', deriveIdsParamsSchema, noModelBounds, (r, p, c) => deriveIds(r, p, 'spatial', c, loadBaseline)),
  analysisHandler<DeriveIdsParams, IdBankSummary>(deriveTidsRequest, 'Deriving temporal IDs', deriveTidsParamsSchema, noModelBounds, (r, p, c) => deriveIds(r, p, 'temporal', c, loadBaseline)),
  analysisHandler<ProbeParams, ProbeResult>(probeRequest, 'Reading where the objects are', probeParamsSchema, checkProbeAgainstModel, probe),
  analysisHandler<SteerParams, SteerResult>(steerRequest, 'Steering', steerParamsSchema, checkSteerAgainstModel, steer),
  analysisHandler<PatchSweepParams, PatchSweepResult>(patchSweepRequest, 'Patching sweep', patchSweepParamsSchema, checkPatchSweepAgainstModel, patchSweep),
];

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
} from '../protocol/spatialIdsProtocol';
import type { RequestType } from 'vscode-languageserver-protocol';
import type { ModelRunner } from '../run/modelRunner';
import { HandlerContext, TableEntry, defineHandler } from './handlerTable';
import { loadRunner } from './loadRunner';
import { badParams } from './requestErrors';

/**
 * The analyses of METHOD.md as requests: each handler checks the untrusted params' shape and
 * hands them to the same function the CLI uses (analysis/analysisRequests.ts).
 */

function paramsObject<T>(raw: unknown, method: string): T & { model?: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badParams(`${method} takes an object of params (got ${JSON.stringify(raw)}).`);
  const p = raw as Record<string, unknown>;
  if (p.model !== undefined && typeof p.model !== 'string') throw badParams(`model must be a model folder path (got ${JSON.stringify(p.model)}).`);
  for (const key of ['bank', 'question', 'object', 'out']) {
    if (p[key] !== undefined && typeof p[key] !== 'string') throw badParams(`${key} must be a string (got ${JSON.stringify(p[key])}).`);
  }
  return raw as T & { model?: string };
}

const analysisContext = (ctx: HandlerContext): AnalysisContext => ({ progress: (m, f) => ctx.progress(m, f), isCancelled: () => ctx.token.isCancellationRequested });

/** One analysis request: check the params' shape, then the shared analysis function on the requested model. */
function analysisHandler<P extends { model?: string }, R>(type: RequestType<P, R, void>, title: string, run: (runner: ModelRunner, params: P, ctx: AnalysisContext) => Promise<R>): TableEntry {
  return defineHandler<P, R>({
    type,
    title,
    async handle(raw, ctx) {
      const params = paramsObject<P>(raw, type.method);
      return run(await ctx.runner(params.model), params, analysisContext(ctx));
    },
  });
}

const loadBaseline = { loadModel: (dir: string) => loadRunner(dir) };

export const ANALYSIS_HANDLERS: readonly TableEntry[] = [
  analysisHandler<DeriveIdsParams, IdBankSummary>(deriveIdsRequest, 'Deriving spatial IDs', (r, p, c) => deriveIds(r, p, 'spatial', c, loadBaseline)),
  analysisHandler<DeriveIdsParams, IdBankSummary>(deriveTidsRequest, 'Deriving temporal IDs', (r, p, c) => deriveIds(r, p, 'temporal', c, loadBaseline)),
  analysisHandler<ProbeParams, ProbeResult>(probeRequest, 'Reading where the objects are', probe),
  analysisHandler<SteerParams, SteerResult>(steerRequest, 'Steering', steer),
  analysisHandler<PatchSweepParams, PatchSweepResult>(patchSweepRequest, 'Patching sweep', patchSweep),
];

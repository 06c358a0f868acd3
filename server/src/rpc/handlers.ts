import {
  ForwardParams,
  ForwardResult,
  LoadModelParams,
  ModelInfo,
  forwardRequest,
  loadModelRequest,
  modelInfoRequest,
} from '../protocol/spatialIdsProtocol';
import { checkForwardParams, runForward } from './forwardCall';
import { TableEntry, defineHandler } from './handlerTable';
import { badParams } from './requestErrors';

/**
 * The server's requests, one entry each: `defineHandler({type, title, handle(params, ctx)})`.
 * `ctx.runner(params.model)` gives the model (loaded on demand), `ctx.progress(message, fraction)`
 * reports progress, `ctx.throwIfCancelled()` stops cancelled work; throw RunError (or any of the
 * loaders' errors) for a request that cannot be served. See handlerTable.ts.
 */

export const MAX_THREADS = 256;

function checkLoadModelParams(raw: unknown): LoadModelParams {
  if (raw != null && (typeof raw !== 'object' || Array.isArray(raw))) throw badParams(`spatialIds/loadModel takes {"dir"?, "threads"?} (got ${JSON.stringify(raw)}).`);
  const p = (raw ?? {}) as Record<string, unknown>;
  if (p.dir !== undefined && (typeof p.dir !== 'string' || !p.dir.trim())) throw badParams(`dir must be a model folder path (got ${JSON.stringify(p.dir)}).`);
  const threads = p.threads;
  if (threads !== undefined && (!Number.isInteger(threads) || (threads as number) < 1 || (threads as number) > MAX_THREADS)) {
    throw badParams(`threads must be a whole number from 1 to ${MAX_THREADS} (got ${JSON.stringify(threads)}).`);
  }
  const providers = p.executionProviders;
  if (providers !== undefined && (!Array.isArray(providers) || providers.some((x) => typeof x !== 'string'))) {
    throw badParams(`executionProviders must be a list of names such as ["cpu"] (got ${JSON.stringify(providers)}).`);
  }
  return { dir: p.dir as string | undefined, threads: threads as number | undefined, executionProviders: providers as string[] | undefined };
}

export const HANDLERS: readonly TableEntry[] = [
  defineHandler<LoadModelParams, ModelInfo>({
    type: loadModelRequest,
    title: 'Loading the model',
    async handle(raw, ctx) {
      const params = checkLoadModelParams(raw);
      ctx.progress(`Reading ${params.dir ?? 'the default model'}`, 0);
      const runner = await ctx.host.load(params.dir, { threads: params.threads, executionProviders: params.executionProviders, token: ctx.token });
      ctx.progress(`Loaded ${runner.info().dir}`, 1);
      return runner.info();
    },
  }),

  defineHandler<void, ModelInfo | null>({
    type: modelInfoRequest,
    title: 'Model information',
    exclusive: false,
    handle: (_params, ctx) => ctx.host.info(),
  }),

  defineHandler<ForwardParams, ForwardResult>({
    type: forwardRequest,
    title: 'Running the model',
    async handle(raw, ctx) {
      const params = checkForwardParams(raw);
      const runner = await ctx.runner(params.model);
      ctx.throwIfCancelled();
      return runForward(runner, params);
    },
  }),
];

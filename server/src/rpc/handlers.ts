import {
  ForwardParams,
  ForwardResult,
  LoadModelParams,
  ModelInfo,
  forwardRequest,
  loadModelRequest,
  modelInfoRequest,
} from '../../../protocol/requests';
import { loadModelParamsSchema } from '../../../protocol/requestSchemas';
import { checkParams } from '../../../protocol/requestValidation';
import { checkForwardParams, runForward } from './forwardCall';
import { TableEntry, defineHandler } from './handlerTable';

/**
 * The server's requests, one entry each: `defineHandler({type, title, handle(params, ctx)})`.
 * `ctx.runner(params.model)` gives the model (loaded on demand), `ctx.progress(message, fraction)`
 * reports progress, `ctx.throwIfCancelled()` stops cancelled work; throw CodedError (or any of the
 * loaders' errors) for a request that cannot be served. See handlerTable.ts. Params are checked
 * against their schema (protocol/requestSchemas.ts) before anything else.
 */

export const HANDLERS: readonly TableEntry[] = [
  defineHandler<LoadModelParams, ModelInfo>({
    type: loadModelRequest,
    title: 'Loading the model',
    parse: (raw) => checkParams(loadModelParamsSchema, raw ?? {}, loadModelRequest.method),
    async handle(params, ctx) {
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
    parse: checkForwardParams,
    async handle(params, ctx) {
      const runner = await ctx.runner(params.model);
      ctx.throwIfCancelled();
      return runForward(runner, params);
    },
  }),
];

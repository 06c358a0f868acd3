import type { ForwardParams, ForwardResult, LoadModelParams, ModelInfo, VideoFramesParams, VideoFramesResult } from '../../../protocol/requests';
import { rpcMethodOf } from '../../../protocol/methods';
import { loadModelParamsSchema, videoFramesParamsSchema } from '../../../protocol/requestSchemas';
import { checkParams } from '../../../protocol/requestValidation';
import { ANALYSIS_HANDLERS } from './analysisHandlers';
import { PLOT_HANDLERS } from './plotHandlers';
import { checkForwardParams, runForward } from './forwardCall';
import { withScope } from '../model/families/modelScope';
import { HandlerTable, defineHandler } from './handlerTable';
import { videoFramePreviews } from '../run/videoFramePreviews';

/**
 * The server's handler for each operation of the method registry (protocol/methods.ts):
 * `defineHandler({method, parse, handle(params, ctx)})`. `ctx.runner(params.model)` gives the
 * model (loaded on demand), `ctx.progress(message, fraction)` reports progress,
 * `ctx.throwIfCancelled()` stops cancelled work; throw CodedError (or any of the loaders'
 * errors) for a request that cannot be served. See handlerTable.ts. Params are checked against
 * their schema (protocol/requestSchemas.ts) before anything else.
 */

export const HANDLERS: HandlerTable = {
  loadModel: defineHandler<LoadModelParams, ModelInfo>({
    method: 'loadModel',
    parse: (raw) => checkParams(loadModelParamsSchema, raw ?? {}, rpcMethodOf('loadModel')),
    async handle(params, ctx) {
      ctx.progress(`Reading ${params.dir ?? 'the default model'}`, 0);
      const runner = await ctx.host.load(params.dir, { threads: params.threads, dtype: params.dtype, executionProviders: params.executionProviders, token: ctx.token });
      ctx.progress(`Loaded ${runner.info().dir}`, 1);
      return withScope(runner.info());
    },
  }),

  modelInfo: defineHandler<void, ModelInfo | null>({
    method: 'modelInfo',
    handle: (_params, ctx) => {
      const info = ctx.host.info();
      return info && withScope(info);
    },
  }),

  forward: defineHandler<ForwardParams, ForwardResult>({
    method: 'forward',
    parse: checkForwardParams,
    async handle(params, ctx) {
      const runner = await ctx.runner(params.model);
      ctx.throwIfCancelled();
      return runForward(runner, params);
    },
  }),

  // the frames a run of this video feeds the model, for the panel's frame strip
  videoFrames: defineHandler<VideoFramesParams, VideoFramesResult>({
    method: 'videoFrames',
    parse: (raw) => checkParams(videoFramesParamsSchema, raw, rpcMethodOf('videoFrames')),
    async handle(params, ctx) {
      const runner = await ctx.runner(params.model);
      ctx.throwIfCancelled();
      return { frames: await videoFramePreviews(runner, params.video, ctx.signal) };
    },
  }),

  ...ANALYSIS_HANDLERS,
  ...PLOT_HANDLERS,
};

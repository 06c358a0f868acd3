import type { FlipMapParams, FlipMapResult } from '../../../protocol/requests';
import { rpcMethodOf } from '../../../protocol/methods';
import { flipMapParamsSchema } from '../../../protocol/requestSchemas';
import { checkParams } from '../../../protocol/requestValidation';
import { flipMap } from '../analysis/flipMap';
import { modelShapeOf } from './forwardCall';
import { type TableEntry, defineHandler } from './handlerTable';
import { checkSteerAgainstModel } from './modelBounds';

/**
 * The requests behind the panel's research plots (protocol/plotRequests.ts): params checked by
 * their schema before the request waits for the model, then against the model (the steered
 * layers exist and are not the embeddings), then the same function the CLI's flip-map runs.
 */
export const PLOT_HANDLERS = {
  flipMap: defineHandler<FlipMapParams, FlipMapResult>({
    method: 'flipMap',
    parse: (raw) => checkParams(flipMapParamsSchema, raw, rpcMethodOf('flipMap')),
    async handle(params, ctx) {
      const runner = await ctx.runner(params.model);
      // a flip map is steering at every target cell: the same model bounds as one steer
      checkSteerAgainstModel(params, modelShapeOf(runner));
      return flipMap(runner, params, { progress: (m, f) => ctx.progress(m, f), isCancelled: () => ctx.token.isCancellationRequested });
    },
  }),
} as const satisfies Record<string, TableEntry>;

import type { ModelRunner, RunInput, RunOutput } from '../run/modelRunner';
import { ModelShape, checkForwardAgainstModel } from './modelBounds';
import { forwardParamsSchema } from '../../../protocol/requestSchemas';
import { checkParams } from '../../../protocol/requestValidation';
import type { ForwardParams, ForwardResult } from '../../../protocol/requests';

/**
 * `spatialIds/forward` for both faces of the core: the JSON parameters checked against their
 * schema (they come from another process, so every field is checked before the run API sees
 * it), the run, and the run's output as ForwardResult JSON. The RPC handler and the CLI's
 * `forward` both call `runForward`, which also checks the bounds that depend on the model
 * (layer indices, vector lengths); words in the question are checked by the run API.
 */

/** ForwardParams from untrusted JSON; throws a badRequest CodedError naming the bad fields. */
export function checkForwardParams(raw: unknown): ForwardParams {
  return checkParams(forwardParamsSchema, raw, 'spatialIds/forward');
}

/** What the model-dependent checks need of a loaded model: its sizes, and its prompt processor's checks of a question (cheap: no media is read). */
export function modelShapeOf(runner: ModelRunner): ModelShape {
  const { numLayers, hiddenSize } = runner.info();
  return { numLayers, hiddenSize, checkQuestion: (question, media) => runner.model.checkQuestion(question, media) };
}

/** The run API's input for checked parameters (the protocol's JSON values are run API values). */
export function toRunInput(params: ForwardParams): RunInput {
  const { media, question, answers, capture, interventions, maxNewTokens } = params;
  return { media, question, answers, capture, interventions, maxNewTokens };
}

/** A run's output as ForwardResult JSON: hidden[layer][position] = the vector as a number array. */
export function toForwardResult(out: RunOutput): ForwardResult {
  const hidden: ForwardResult['hidden'] = {};
  for (const [layer, byPosition] of out.hidden) {
    const vectors: Record<string, number[]> = {};
    for (const [position, vector] of byPosition) vectors[String(position)] = Array.from(vector);
    hidden[String(layer)] = vectors;
  }
  return { answer: out.answer, logprobs: out.logprobs, tokens: out.tokens, hidden, ...(out.frames ? { frames: out.frames } : {}) };
}

export async function runForward(runner: ModelRunner, params: ForwardParams): Promise<ForwardResult> {
  checkForwardAgainstModel(params, modelShapeOf(runner));
  return toForwardResult(await runner.forward(toRunInput(params)));
}

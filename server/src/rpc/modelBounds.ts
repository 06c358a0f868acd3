import { CodedError } from '../../../protocol/errors';
import type { ForwardParams, Intervention, MediaRef, SweepPatchesParams, ProbeParams, SteerParams } from '../../../protocol/requests';
import { ErrorCodes } from '../../../protocol/errors';
import { checkInterventionComponent } from '../run/interventionComponent';

/**
 * The bounds of request params that depend on the model (the schemas bound them without it):
 * layer indices within the residual stream, steering vectors of the hidden size, questions the
 * model's prompt can hold (no special-token text, within its positions). Checked once the model
 * is known, before any work (an analysis may derive IDs for minutes before it reads its input),
 * in the words of the schema errors.
 */

export interface ModelShape {
  /** Decoder layers L: residual layers are 0..L. */
  numLayers: number;
  hiddenSize: number;
  /** Throws a badQuestion CodedError for a question this model's prompt cannot hold (the prompt processor's checks). */
  checkQuestion?(question: string, media: 'image' | 'video'): void;
}

const kindOf = (media: MediaRef): 'image' | 'video' => ('video' in media ? 'video' : 'image');

/** `field` names where the question came from when it is not the request's own (a patch source's). */
function checkQuestion(question: string | undefined, media: MediaRef | undefined, m: ModelShape, field = 'question'): void {
  if (question === undefined || media === undefined) return;
  try {
    m.checkQuestion?.(question, kindOf(media));
  } catch (e) {
    if (e instanceof CodedError && field !== 'question') throw new CodedError(e.code, `${field}: ${e.message}`);
    throw e;
  }
}

const outOfRange = (field: string, layer: number, m: ModelShape) =>
  new CodedError(ErrorCodes.badRequest, `${field} = ${layer} is out of range: this model has residual layers 0..${m.numLayers} (0 = the embeddings, l = the output of decoder layer l).`);

function checkLayers(field: string, layers: readonly number[] | undefined, m: ModelShape): void {
  layers?.forEach((l, i) => {
    if (l > m.numLayers) throw outOfRange(`${field}[${i}]`, l, m);
  });
}

function checkInterventions(list: readonly Intervention[] | undefined, question: string, m: ModelShape): void {
  list?.forEach((iv, i) => {
    checkInterventionComponent(iv.component, `interventions[${i}].component`);
    if (iv.kind === 'patch') checkQuestion(iv.from.question ?? question, iv.from, m, `interventions[${i}].from.question`);
    if (iv.layer > m.numLayers) throw outOfRange(`interventions[${i}].layer`, iv.layer, m);
    if (iv.kind === 'add' && iv.vector.length !== m.hiddenSize) {
      throw new CodedError(ErrorCodes.badRequest, `interventions[${i}].vector has ${iv.vector.length} values but this model's hidden size is ${m.hiddenSize}: derive the vector from this model's IDs.`);
    }
  });
}

export function checkForwardAgainstModel(p: ForwardParams, m: ModelShape): void {
  if (p.capture && p.capture.layers !== 'all') checkLayers('capture.layers', p.capture.layers, m);
  checkInterventions(p.interventions, p.question, m);
  checkQuestion(p.question, p.media, m);
}

export function checkProbeAgainstModel(p: ProbeParams, m: ModelShape): void {
  checkInterventions(p.interventions, p.question, m);
  checkQuestion(p.question, p.media, m);
}

/**
 * Steering moves an object by the difference of its IDs, and at layer 0 (the token embeddings,
 * which have not seen the image) every cell's ID is the same: the difference has no direction.
 */
function checkSteerable(field: string, layers: readonly number[] | undefined, m: ModelShape): void {
  checkLayers(field, layers, m);
  const at = layers?.indexOf(0) ?? -1;
  if (at >= 0) {
    throw new CodedError(ErrorCodes.badRequest, `${field}[${at}] = 0 cannot be steered: layer 0 is the token embeddings, which do not see the image, so every cell's ID is the same there. Steer at layers 1..${m.numLayers}.`);
  }
}

export function checkSteerAgainstModel(p: SteerParams, m: ModelShape): void {
  checkSteerable('layers', p.layers, m);
  p.bands?.forEach((band, b) => checkSteerable(`bands[${b}]`, band, m));
  checkQuestion(p.question, p.media, m);
}

export function checkSweepPatchesAgainstModel(p: SweepPatchesParams, m: ModelShape): void {
  checkQuestion(p.question, p.media, m);
}

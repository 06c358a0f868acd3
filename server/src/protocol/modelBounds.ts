import { RunError } from '../run/runError';
import type { ForwardParams, Intervention, ProbeParams, SteerParams } from './spatialIdsProtocol';
import { ErrorCodes } from './spatialIdsProtocol';

/**
 * The bounds of request params that depend on the model (the schemas bound them without it):
 * layer indices within the residual stream, steering vectors of the hidden size. Checked once
 * the model is known, before any work, in the words of the schema errors.
 */

export interface ModelShape {
  /** Decoder layers L: residual layers are 0..L. */
  numLayers: number;
  hiddenSize: number;
}

const outOfRange = (field: string, layer: number, m: ModelShape) =>
  new RunError(ErrorCodes.badRequest, `${field} = ${layer} is out of range: this model has residual layers 0..${m.numLayers} (0 = the embeddings, l = the output of decoder layer l).`);

function checkLayers(field: string, layers: readonly number[] | undefined, m: ModelShape): void {
  layers?.forEach((l, i) => {
    if (l > m.numLayers) throw outOfRange(`${field}[${i}]`, l, m);
  });
}

function checkInterventions(list: readonly Intervention[] | undefined, m: ModelShape): void {
  list?.forEach((iv, i) => {
    if (iv.layer > m.numLayers) throw outOfRange(`interventions[${i}].layer`, iv.layer, m);
    if (iv.kind === 'add' && iv.vector.length !== m.hiddenSize) {
      throw new RunError(ErrorCodes.badRequest, `interventions[${i}].vector has ${iv.vector.length} values but this model's hidden size is ${m.hiddenSize}: derive the vector from this model's IDs.`);
    }
  });
}

export function checkForwardAgainstModel(p: ForwardParams, m: ModelShape): void {
  if (p.capture && p.capture.layers !== 'all') checkLayers('capture.layers', p.capture.layers, m);
  checkInterventions(p.interventions, m);
}

export function checkProbeAgainstModel(p: ProbeParams, m: ModelShape): void {
  checkInterventions(p.interventions, m);
}

export function checkSteerAgainstModel(p: SteerParams, m: ModelShape): void {
  checkLayers('layers', p.layers, m);
  p.bands?.forEach((band, b) => checkLayers(`bands[${b}]`, band, m));
}

import * as ort from '../model/onnxRuntime';
import { deltaInputName } from '../graph/instrumentDecoder';
import { LIMITS } from '../../../protocol/requestLimits';
import { badRequest } from '../../../protocol/errors';
import { float32ToFloat16 } from '../tensors/float16';

/** onnx TensorProto element types of residual sites. */
const FLOAT = 1;
const FLOAT16 = 10;

/**
 * The per-layer deltas fed to the instrumented decoder's `delta.<site>` inputs for one
 * prompt: a [seq, hidden] buffer for each layer that has an intervention, zeros [1, 1, hidden]
 * (broadcast) for the others and for every generated position. Deltas are summed in float32
 * and given to each site in its own element type (float16 in fp16 / q4f16 exports).
 */
export class InterventionDeltas {
  private readonly buffers = new Map<number, Float32Array>();
  private readonly zeros: Map<number, ort.Tensor>;

  /** `elemTypes[l]`: the element type of layer l's site (default float32 everywhere). */
  constructor(
    readonly numLayers: number,
    readonly hiddenSize: number,
    readonly seqLen: number,
    private readonly elemTypes: readonly number[] = [],
  ) {
    const bad = elemTypes.find((t) => t !== FLOAT && t !== FLOAT16);
    if (bad !== undefined) throw badRequest(`The decoder's residual stream has element type ${bad} (TensorProto code), which this runtime does not feed: load a float32 or float16 variant.`);
    const zero32 = new ort.Tensor('float32', new Float32Array(hiddenSize), [1, 1, hiddenSize]);
    const zero16 = new ort.Tensor('float16', new Uint16Array(hiddenSize), [1, 1, hiddenSize]);
    this.zeros = new Map<number, ort.Tensor>([
      [FLOAT, zero32],
      [FLOAT16, zero16],
    ]);
  }

  private zerosOf(layer: number): ort.Tensor {
    return this.zeros.get(this.elemTypes[layer] ?? FLOAT)!;
  }

  checkLayer(layer: number): void {
    if (!Number.isInteger(layer) || layer < 0 || layer > this.numLayers) {
      throw badRequest(`Layer ${layer} is out of range: this model's residual stream has layers 0 (embeddings) to ${this.numLayers}.`);
    }
  }

  private buffer(layer: number): Float32Array {
    this.checkLayer(layer);
    let b = this.buffers.get(layer);
    if (!b) this.buffers.set(layer, (b = new Float32Array(this.seqLen * this.hiddenSize)));
    return b;
  }

  /** Adds `vector` (length hidden) at each position. */
  add(layer: number, positions: readonly number[], vector: ArrayLike<number>): void {
    if (vector.length !== this.hiddenSize) {
      throw badRequest(`The steering vector has ${vector.length} values but this model's hidden size is ${this.hiddenSize}: derive it from this model's IDs.`);
    }
    for (let i = 0; i < vector.length; i++) {
      // a double beyond float32's range is finite here but Infinity in the decoder's buffers
      if (!(Math.abs(vector[i]) <= LIMITS.float32Max)) throw badRequest(`The steering vector holds ${vector[i]} at index ${i}, outside the float32 range (|v| <= ${LIMITS.float32Max}): send finite float32 numbers.`);
    }
    const b = this.buffer(layer);
    for (const p of positions) for (let i = 0; i < this.hiddenSize; i++) b[p * this.hiddenSize + i] += vector[i];
  }

  /** Adds `target - current` at each position, so the residual there becomes `target` (activation patching). */
  patch(layer: number, positions: readonly number[], target: Float32Array, current: Float32Array): void {
    const b = this.buffer(layer);
    const h = this.hiddenSize;
    for (const p of positions) for (let i = 0; i < h; i++) b[p * h + i] += target[p * h + i] - current[p * h + i];
  }

  /**
   * The decoder's delta feeds for a call over `seqLen` positions of the prompt from `offset` on
   * (the whole prompt, or its rest after a reused prefix); zeros for a call past the prompt.
   */
  feeds(seqLen: number, offset = 0): Record<string, ort.Tensor> {
    const out: Record<string, ort.Tensor> = {};
    const H = this.hiddenSize;
    for (let l = 0; l <= this.numLayers; l++) {
      const whole = offset + seqLen === this.seqLen ? this.buffers.get(l) : undefined;
      const b = whole && offset > 0 ? whole.subarray(offset * H) : whole;
      const dims = [1, seqLen, H];
      const half = (this.elemTypes[l] ?? FLOAT) === FLOAT16;
      out[deltaInputName(l, this.numLayers)] = !b ? this.zerosOf(l) : half ? new ort.Tensor('float16', float32ToFloat16(b), dims) : new ort.Tensor('float32', b, dims);
    }
    return out;
  }

  /** Feeds for generated positions: interventions apply to the prompt only. */
  zeroFeeds(): Record<string, ort.Tensor> {
    const out: Record<string, ort.Tensor> = {};
    for (let l = 0; l <= this.numLayers; l++) out[deltaInputName(l, this.numLayers)] = this.zerosOf(l);
    return out;
  }
}

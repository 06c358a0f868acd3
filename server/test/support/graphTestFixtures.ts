import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from '../../src/model/onnxRuntime';
export { ortOptimized } from './decoderVariantFolder';

/**
 * Shared by the graph tests: the small decoder fixture (test/fixtures/graph, written by
 * make_tiny_decoder.py with a PyTorch reference) and helpers to run it with onnxruntime.
 */

export const FIXTURE_DIR = path.resolve(__dirname, '../../../../test/fixtures/graph');
export const TINY_DECODER = path.join(FIXTURE_DIR, 'tiny_decoder.onnx');
/** The bundled model's decoder (a real export, larger than the fixture). */
export const BUNDLED_DECODER = path.resolve(__dirname, '../../../../models/tiny-spatial-vlm/onnx/decoder_model_merged.onnx');

export interface DecoderReference {
  hidden_size: number;
  num_layers: number;
  vocab_size: number;
  num_key_value_heads: number;
  head_dim: number;
  /** [seq][hidden] */
  inputs_embeds: number[][];
  /** [seq][vocab] */
  logits: number[][];
  /** [layer 0..L][seq][hidden] */
  hidden: number[][][];
  steer: { layer: number; position: number; vector: number[]; logits: number[][]; hidden: number[][][] };
}

export function tinyDecoder(): Uint8Array {
  return new Uint8Array(fs.readFileSync(TINY_DECODER));
}

export function tinyReference(): DecoderReference {
  return JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, 'tiny_decoder_reference.json'), 'utf8')) as DecoderReference;
}

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' };

/** Loads a model from memory, as the server will; `externalDataFolder` resolves `.onnx_data` files. */
export function sessionFromBytes(bytes: Uint8Array, externalDataFolder?: string): Promise<ort.InferenceSession> {
  const opts: ort.InferenceSession.SessionOptions = { ...SESSION_OPTIONS };
  // onnxruntime-node ignores the web-only `externalData` option; the native session reads
  // external initializers of a model loaded from bytes from this folder instead.
  if (externalDataFolder) opts.extra = { session: { model_external_initializers_file_folder_path: externalDataFolder } };
  return ort.InferenceSession.create(bytes, opts);
}


/** Decoder feeds for one sequence with an empty KV cache, plus any extra inputs. */
export function decoderFeeds(ref: DecoderReference, embeds: number[][], extra: Record<string, ort.Tensor> = {}): Record<string, ort.Tensor> {
  const seq = embeds.length;
  const feeds: Record<string, ort.Tensor> = {
    inputs_embeds: new ort.Tensor('float32', Float32Array.from(embeds.flat()), [1, seq, ref.hidden_size]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(seq).fill(1n), [1, seq]),
    position_ids: new ort.Tensor('int64', BigInt64Array.from({ length: seq }, (_, i) => BigInt(i)), [1, seq]),
  };
  for (let i = 0; i < ref.num_layers; i++) {
    for (const kv of ['key', 'value']) {
      feeds[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, ref.num_key_value_heads, 0, ref.head_dim]);
    }
  }
  return { ...feeds, ...extra };
}

export function zeroDelta(hidden: number): ort.Tensor {
  return new ort.Tensor('float32', new Float32Array(hidden), [1, 1, hidden]);
}

/** A [1, seq, hidden] delta that is `vector` at `position` and zero elsewhere. */
export function positionDelta(seq: number, position: number, vector: number[]): ort.Tensor {
  const h = vector.length;
  const data = new Float32Array(seq * h);
  data.set(vector, position * h);
  return new ort.Tensor('float32', data, [1, seq, h]);
}

export function floats(t: ort.Tensor): Float32Array {
  return t.data as Float32Array;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Rows [from, to) of a [1, seq, width] tensor's data. */
export function rows(data: Float32Array, width: number, from: number, to: number): Float32Array {
  return data.subarray(from * width, to * width);
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { NamedTensor, readSafetensors } from '../../src/tensors/safetensors';

/**
 * For the real-family tests: the twins (tiny random-weight exports in each family's exact
 * layout, test/fixtures/twins/<name>/) and their PyTorch references
 * (<name>.reference.safetensors), written by models/twins/ from the same weights on photo.png.
 */

export const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const TWINS_DIR = path.join(REPO_ROOT, 'test/fixtures/twins');
export const PHOTO = path.join(TWINS_DIR, 'photo.png');
export const PHOTO_MIRRORED = path.join(TWINS_DIR, 'photo-mirrored.png');

export interface Twin {
  /** Folder name under test/fixtures/twins. */
  name: string;
  dir: string;
  reference: string;
  /** config.json "model_type". */
  modelType: string;
  /** The family the runtime reports for it (ModelInfo.family). */
  family: string;
}

const TWIN_FAMILIES: ReadonlyArray<[name: string, modelType: string, family: string]> = [
  ['llava-1.5', 'llava', 'llava'],
  ['qwen2-vl', 'qwen2_vl', 'qwen2_vl'],
  ['smolvlm', 'idefics3', 'idefics3'],
  ['gemma-3', 'gemma3', 'gemma3'],
];

export const TWINS: readonly Twin[] = TWIN_FAMILIES.map(([name, modelType, family]) => ({
  name,
  dir: path.join(TWINS_DIR, name),
  reference: path.join(TWINS_DIR, `${name}.reference.safetensors`),
  modelType,
  family,
}));

export function twinPresent(twin: Twin): boolean {
  return fs.existsSync(path.join(twin.dir, 'onnx/decoder_model_merged.onnx')) && fs.existsSync(twin.reference);
}

/** A node:test `skip` value: false when the twin and its reference are there. */
export const skipUnlessPresent = (twin: Twin): false | string => (twinPresent(twin) ? false : `no ${twin.name} twin or reference`);

export interface TwinReference {
  question: string;
  steerLayer: number;
  patchLayer: number;
  inputIds: number[];
  pixelValues: NamedTensor;
  /** [L+1, seq, hidden]: 0 = the decoder's inputs_embeds, l = output of block l-1, L = before the final norm. */
  hiddenStates: NamedTensor;
  /** [seq, vocab]. */
  logits: NamedTensor;
  steerPositions: number[];
  steerVector: Float32Array;
  /** [vocab], last position, steer_vector added to hidden_states[steerLayer] at steerPositions. */
  steeredLogits: Float32Array;
  patchPositions: number[];
  /** [vocab], last position, the residual entering block patchLayer at patchPositions taken from the photo-mirrored.png run. */
  patchedLogits: Float32Array;
  generatedIds: number[];
}

const ints = (t: NamedTensor): number[] => Array.from(t.data as BigInt64Array, Number);

export function readTwinReference(twin: Twin): TwinReference {
  const { tensors: t, metadata: m } = readSafetensors(twin.reference);
  const need = (name: string): NamedTensor => {
    if (!t[name]) throw new Error(`${twin.reference} has no tensor "${name}"`);
    return t[name];
  };
  return {
    question: m.question,
    steerLayer: Number(m.steer_layer),
    patchLayer: Number(m.patch_layer),
    inputIds: ints(need('input_ids')),
    pixelValues: need('pixel_values'),
    hiddenStates: need('hidden_states'),
    logits: need('logits'),
    steerPositions: ints(need('steer_positions')),
    steerVector: need('steer_vector').data as Float32Array,
    steeredLogits: need('steered_logits').data as Float32Array,
    patchPositions: ints(need('patch_positions')),
    patchedLogits: need('patched_logits').data as Float32Array,
    generatedIds: ints(need('generated_ids')),
  };
}

/** One layer of hidden_states, [seq, hidden] flat. */
export function referenceLayer(ref: TwinReference, layer: number): Float32Array {
  const [, seq, hidden] = ref.hiddenStates.shape;
  return (ref.hiddenStates.data as Float32Array).subarray(layer * seq * hidden, (layer + 1) * seq * hidden);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`Compared ${a.length} values with ${b.length}.`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return Number.isNaN(m) ? Infinity : m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Where the largest difference is, as `position p, unit u` of a [rows, width] array. */
export function whereMaxDiff(a: ArrayLike<number>, b: ArrayLike<number>, width: number): string {
  let best = 0;
  let at = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > best) [best, at] = [d, i];
  }
  return `position ${Math.floor(at / width)}, unit ${at % width} (${a[at]} vs ${b[at]})`;
}

/** The last row of a [rows, width] array. */
export const lastRow = (a: Float32Array, width: number): Float32Array => a.subarray(a.length - width);

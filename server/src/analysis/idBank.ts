import { ErrorCodes } from '../../../protocol/errors';
import { CodedError } from '../../../protocol/errors';
import type { SteeringCalibration } from '../../../protocol/requests';
import { readSafetensors } from '../tensors/safetensors';
import { encodeSafetensors } from '../tensors/safetensorsWriter';
import { writeFileAtomically } from '../files/outputFile';
import { meanOf } from './math/vectorOps';

/**
 * An ID bank: the universal spatial (or temporal) IDs of one model at every layer, as derived by
 * deriveSpatialIds / deriveTemporalIds, saved as safetensors so that Python users can load it
 * with the `safetensors` package. Tensors: `layers.{l}.universal` [rows, hidden] (rows = sizes x
 * cells, size-major, cells row-major; temporal banks: one row per frame), `layers.{l}.centre`
 * [hidden] (subtract from a new state before reading it). Metadata (strings): `spatial_id_lens`
 * = the JSON of BankMeta.
 */

export interface BankMeta {
  format: 'spatial-id-lens/id-bank@1';
  kind: 'spatial' | 'temporal';
  model: string;
  /** sha256 of the decoder file the IDs were derived from: a bank only reads its own model. */
  decoderHash: string;
  numLayers: number;
  hiddenSize: number;
  /** Grid side (spatial) or number of frames (temporal). */
  grid: number;
  /** Object sizes in pixels (spatial); [0] for temporal banks. */
  sizes: number[];
  /** One entry per bank row: column x, row y (0 for temporal), size s. */
  rows: { x: number; y: number; s: number }[];
  /** The object pairs averaged over, as "colour shape" words. */
  pairs: [string, string][];
  questionTemplate: string;
  seed: number;
  /**
   * The default steering factor measured on held-out items after derivation (calibrateSteering.ts).
   * Absent in banks derived before calibration existed (or with calibrationItems 0): steering
   * then falls back to the paper's factor and says so. Optional, so the format stays @1.
   */
  calibration?: SteeringCalibration;
}

export interface IdBank {
  meta: BankMeta;
  /** universal[l][row] and centre[l], l = 0..numLayers. */
  universal: Float32Array[][];
  centre: Float32Array[];
}

/** The distinct cells of a bank (x, y), in row order of first appearance. */
export function bankCells(meta: BankMeta): { x: number; y: number }[] {
  const seen = new Map<string, { x: number; y: number }>();
  for (const r of meta.rows) if (!seen.has(`${r.x},${r.y}`)) seen.set(`${r.x},${r.y}`, { x: r.x, y: r.y });
  return [...seen.values()];
}

/** One ID per cell at a layer: the bank rows of that cell averaged over sizes. */
export function cellIds(bank: IdBank, layer: number): Float32Array[] {
  return bankCells(bank.meta).map((c) => meanOf(bank.universal[layer].filter((_, k) => bank.meta.rows[k].x === c.x && bank.meta.rows[k].y === c.y)));
}

/** Writes the bank atomically (see files/outputFile.ts): an existing file only with overwrite === true. */
export function saveIdBank(file: string, bank: IdBank, opts: { overwrite?: unknown } = {}): void {
  const tensors: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  const { hiddenSize: h } = bank.meta;
  bank.universal.forEach((rows, l) => {
    const data = new Float32Array(rows.length * h);
    rows.forEach((r, k) => data.set(r, k * h));
    tensors[`layers.${l}.universal`] = { dtype: 'F32', shape: [rows.length, h], data };
    tensors[`layers.${l}.centre`] = { dtype: 'F32', shape: [h], data: bank.centre[l] };
  });
  writeFileAtomically(file, encodeSafetensors(tensors, { spatial_id_lens: JSON.stringify(bank.meta) }), { overwrite: opts.overwrite, what: 'ID bank' });
}

const wrongBank = (message: string) => new CodedError(ErrorCodes.wrongBank, message);

export function loadIdBank(file: string): IdBank {
  const { tensors, metadata } = readSafetensors(file);
  let meta: BankMeta;
  try {
    meta = JSON.parse(metadata.spatial_id_lens ?? '') as BankMeta;
  } catch {
    throw wrongBank(`${file} is not an ID bank (no spatial_id_lens metadata): derive one with derive-ids.`);
  }
  if (meta.format !== 'spatial-id-lens/id-bank@1') throw wrongBank(`${file} has bank format ${meta.format}; this version reads spatial-id-lens/id-bank@1: derive it again.`);
  checkCalibration(file, meta.calibration);
  const universal: Float32Array[][] = [];
  const centre: Float32Array[] = [];
  for (let l = 0; l <= meta.numLayers; l++) {
    const u = tensors[`layers.${l}.universal`];
    const c = tensors[`layers.${l}.centre`];
    if (!u || !c) throw wrongBank(`${file} lacks layers.${l}.universal or layers.${l}.centre: the file is incomplete; derive it again.`);
    const data = u.data as Float32Array;
    universal.push(Array.from({ length: u.shape[0] }, (_, k) => data.slice(k * meta.hiddenSize, (k + 1) * meta.hiddenSize)));
    centre.push(c.data as Float32Array);
  }
  return { meta, universal, centre };
}

/** A stored calibration must give a usable factor (steering multiplies by it), or none. */
function checkCalibration(file: string, c: unknown): void {
  if (c === undefined) return;
  const f = (c as { factor?: unknown } | null)?.factor;
  const usable = f === null || (typeof f === 'number' && Number.isFinite(f) && f > 0);
  if (typeof c !== 'object' || c === null || !usable) throw wrongBank(`${file} has a malformed steering calibration (factor ${JSON.stringify(f)}): derive the bank again.`);
}

/** Refuses a bank derived from another model (IDs are directions of one model's residual stream). */
export function checkBankFits(bank: IdBank, model: { decoderHash: string; numLayers: number; hiddenSize: number; dir: string }, kind?: BankMeta['kind']): void {
  if (bank.meta.decoderHash !== model.decoderHash || bank.meta.hiddenSize !== model.hiddenSize || bank.meta.numLayers !== model.numLayers) {
    throw wrongBank(`This ID bank was derived from ${bank.meta.model} (decoder ${bank.meta.decoderHash.slice(0, 12)}), not from ${model.dir} (decoder ${model.decoderHash.slice(0, 12)}): derive IDs for this model with derive-ids.`);
  }
  if (kind && bank.meta.kind !== kind) {
    throw wrongBank(`This is a ${bank.meta.kind} ID bank; this analysis needs a ${kind} one: derive it with ${kind === 'spatial' ? 'derive-ids' : 'derive-tids'}.`);
  }
}

import type { IdBankSummary, ProbeObject } from '../../../protocol/requests';

/**
 * The layer number of each row of a probe's similarity[row][cell]: rows are residual layers
 * 0..L when there are L+1 of them; when the server probed only the bank's layers, the rows
 * follow the bank's layer list.
 */
export function probeRowLayers(rows: number, numLayers: number | null, bank: IdBankSummary | null): number[] {
  if (numLayers !== null && rows === numLayers + 1) return range(rows);
  if (bank && bank.layers.length === rows) return bank.layers.map((v) => v.layer);
  return range(rows);
}

/** The similarity row of an object at a layer, or null when that layer was not probed. */
export function similarityAt(object: ProbeObject, rowLayers: readonly number[], layer: number): number[] | null {
  const row = rowLayers.indexOf(layer);
  return row >= 0 ? object.similarity[row] ?? null : null;
}

export function argmaxAt(object: ProbeObject, rowLayers: readonly number[], layer: number): number {
  const row = rowLayers.indexOf(layer);
  return row >= 0 && object.argmax[row] !== undefined ? object.argmax[row] : -1;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

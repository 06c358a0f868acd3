import type { IdBankSummary } from '../../../protocol/requests';

/** Layer bands written as "2-4,6", and the layers a bank's panel starts at. */

export type LayerBandParse = { ok: true; layers: number[] } | { ok: false; error: string };

export function parseLayerBand(text: string, maxLayer: number): LayerBandParse {
  const layers = new Set<number>();
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) return { ok: false, error: 'Give at least one layer, e.g. "2-4".' };
  for (const part of parts) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!m) return { ok: false, error: `"${part}" is not a layer or a range like 2-4.` };
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) return { ok: false, error: `"${part}": the range runs backwards.` };
    if (to > maxLayer) return { ok: false, error: `Layer ${to} is past the last layer (${maxLayer}).` };
    for (let l = from; l <= to; l++) layers.add(l);
  }
  return { ok: true, layers: [...layers].sort((a, b) => a - b) };
}

export function formatLayerBand(layers: readonly number[]): string {
  const sorted = [...new Set(layers)].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : `${sorted[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Clamps a band to 0..maxLayer, keeping it non-empty (the middle layer when nothing is left). */
export function clampBand(layers: readonly number[], maxLayer: number): number[] {
  const kept = [...new Set(layers.filter((l) => Number.isInteger(l) && l >= 0 && l <= maxLayer))].sort((a, b) => a - b);
  return kept.length > 0 ? kept : [Math.floor(maxLayer / 2)];
}

/**
 * A bank's best layer, per kind: where its steering was calibrated (the band that flips the answer
 * most over its noise control: layer 2 for the bundled model's spatial bank, 4 for its temporal
 * one) when the bank has a calibration, else its highest lattice score (bestLayer). For the
 * temporal bank the two differ: its order score peaks at layer 2, where the answer does not read
 * the frames yet (the model card's steering table), so the calibration decides.
 */
export interface BankBest {
  layer: number;
  source: 'steering' | 'lattice';
}

export function bankBestLayer(bank: IdBankSummary): BankBest {
  const band = bankDefaultBand(bank);
  return band ? { layer: band[0], source: 'steering' } : { layer: bank.bestLayer, source: 'lattice' };
}

/** The band a bank's steering factor was calibrated at (its own kind's), or null: the settings' default band applies. */
export function bankDefaultBand(bank: IdBankSummary | null): number[] | null {
  const layers = bank?.calibration?.chosen?.layers;
  return layers && layers.length > 0 ? [...layers].sort((a, b) => a - b) : null;
}

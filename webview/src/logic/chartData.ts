import type {
  IdBankSummary,
  LayerIdView,
  SweepPatchesResult,
  ProbeResult,
} from '../../../protocol/requests';
import type { CsvValue } from './csv';
import { type Cell, cellLabel } from './grid';
import { probeRowLayers } from './probeLayers';

/** Flat rows behind each chart: what the CSV/JSON exports carry. */
export type Row = Record<string, CsvValue>;

/**
 * The CSV header of the machine fields the rows keep 0-based (cell index, x = column, y = row):
 * named as such, beside the 1-based row/column (or frame) the panel shows.
 */
export const CSV_HEADERS: Readonly<Record<string, string>> = { cell: 'cell_0based', x: 'x_0based', y: 'y_0based' };

/** The panel's 1-based coordinates of a cell: row and column, or the frame. */
function placeOf(c: Cell, kind: 'spatial' | 'temporal'): Row {
  return kind === 'temporal' ? { frame: c.x + 1 } : { row: c.y + 1, column: c.x + 1 };
}

/** One row per (object, layer, cell) of a probe: the heatmaps and the similarity matrices. */
export function probeRows(probe: ProbeResult, numLayers: number | null, bank: IdBankSummary | null, onlyLayer?: number): Row[] {
  const kind = bank?.kind ?? 'spatial';
  const rows: Row[] = [];
  for (const obj of probe.objects) {
    const layers = probeRowLayers(obj.similarity.length, numLayers, bank);
    obj.similarity.forEach((sims, r) => {
      const layer = layers[r];
      if (onlyLayer !== undefined && layer !== onlyLayer) return;
      sims.forEach((similarity, cell) => {
        const c = probe.cells[cell] ?? { x: cell, y: 0 };
        rows.push({
          object: obj.object,
          layer,
          cell,
          x: c.x,
          y: c.y,
          ...placeOf(c, kind),
          label: cellLabel(c, kind),
          similarity,
          argmax: obj.argmax[r] === cell,
        });
      });
    });
  }
  return rows;
}

/** The ID lattice of one layer: PCA components and the axis-plane projection per cell. */
export function latticeRows(bank: IdBankSummary, view: LayerIdView): Row[] {
  return bank.cells.map((c, i) => {
    const row: Row = { layer: view.layer, cell: i, x: c.x, y: c.y, ...placeOf(c, bank.kind), label: cellLabel(c, bank.kind) };
    (view.pca.projections[i] ?? []).forEach((v, k) => (row[`pc${k + 1}`] = v));
    const plane = view.plane[i] ?? [];
    row.planeX = plane[0];
    row.planeY = plane[1];
    return row;
  });
}

/** Lattice score per layer, the own-axes fit (for comparison) and the random-init baseline when the bank has it. */
export function latticeScoreRows(bank: IdBankSummary): Row[] {
  return bank.layers.map((v) => ({
    layer: v.layer,
    latticeScore: v.latticeScore,
    ownAxesScore: v.ownAxesScore,
    baseline: bank.baselineLatticeScores?.[v.layer] ?? null,
  }));
}

export const SWEEP_GROUPS = ['image', 'text', 'objects'] as const;
export type SweepGroup = (typeof SWEEP_GROUPS)[number];

export const SWEEP_GROUP_LABELS: Record<SweepGroup, string> = {
  image: 'image tokens',
  text: 'other text tokens',
  objects: 'object words',
};

export type SweepSource = 'mirror' | 'attribute swap';

/** One row per (source, token group, layer): the normalised belief shift the patch carries (mirror), and the attribute-swap control when present. */
export function sweepRows(result: SweepPatchesResult): Row[] {
  const rows: Row[] = [];
  const sources: [SweepSource, SweepPatchesResult['groups'] | null][] = [
    ['mirror', result.groups],
    ['attribute swap', result.control ?? null],
  ];
  for (const [source, groups] of sources) {
    if (!groups) continue;
    for (const group of SWEEP_GROUPS) {
      const curve = groups[group];
      result.layers.forEach((layer, i) => {
        rows.push({ source, layer, group, mean: curve.mean[i], low: curve.low[i], high: curve.high[i], n: result.n });
      });
    }
  }
  return rows;
}

import type { IdBankSummary, LayerIdView } from '../../../protocol/requests';
import { IdBank, bankCells, cellIds } from './idBank';
import { pca } from './math/pca';
import { heldOutLatticeScore, heldOutTemporalScore, idAxes, latticeScore, orthonormalPlane, projectOnPlane, timeAxis, temporalLatticeScore } from './math/spatialIds';
import { cosineMatrix, norm } from './math/vectorOps';

/**
 * What the panel and the CLI show of an ID bank, per layer (METHOD.md 1.6): PCA of the cell IDs
 * with explained variance, the projection on the orthonormalised (x_axis, y_axis) plane, the
 * lattice score and the cosine-similarity matrix.
 *
 * The lattice score is leave-one-out (heldOutLatticeScore): each ID is placed by axes computed
 * without it. Scored on their own axes, even random high-dimensional vectors fit a lattice
 * almost perfectly (the axes are sums of x- and y-ordered differences), so that figure is
 * reported beside it (`ownAxesScore`) but is not the evidence.
 */

const PCA_COMPONENTS = 3;

/** A layer whose IDs are all (nearly) equal carries no location: the embeddings of a text token, for one. */
function degenerate(ids: readonly Float32Array[]): boolean {
  return ids.every((id) => norm(id) < 1e-6);
}

export function layerView(bank: IdBank, layer: number): LayerIdView & { ownAxesScore: number } {
  const ids = cellIds(bank, layer);
  const cells = bankCells(bank.meta);
  const k = Math.min(PCA_COMPONENTS, ids.length, bank.meta.hiddenSize);
  const cosine = cosineMatrix(ids).map((row) => row.map((v) => (Number.isFinite(v) ? v : 0)));
  if (degenerate(ids)) {
    const zeros = ids.map(() => [0, 0]);
    return { layer, latticeScore: 0, ownAxesScore: 0, pca: { explainedVarianceRatio: new Array(k).fill(0), projections: ids.map(() => new Array(k).fill(0)) }, plane: zeros, cosine };
  }
  const p = pca(ids, k);
  if (bank.meta.kind === 'temporal') {
    const frames = cells.map((c) => c.x);
    const axis = timeAxis(ids, frames);
    const n = norm(axis) || 1;
    return {
      layer,
      latticeScore: heldOutTemporalScore(ids, frames),
      ownAxesScore: temporalLatticeScore(ids, frames),
      pca: { explainedVarianceRatio: p.explainedVarianceRatio, projections: p.projections },
      plane: ids.map((id) => [id.reduce((s, v, i) => s + v * axis[i], 0) / n, 0]),
      cosine,
    };
  }
  const coords = cells.map((c) => ({ x: c.x, y: c.y }));
  const { xAxis, yAxis } = idAxes(ids, coords);
  const plane = orthonormalPlane(xAxis, yAxis);
  return {
    layer,
    latticeScore: heldOutLatticeScore(ids, coords),
    ownAxesScore: latticeScore(ids, coords, plane),
    pca: { explainedVarianceRatio: p.explainedVarianceRatio, projections: p.projections },
    plane: ids.map((id) => projectOnPlane(id, plane)),
    cosine,
  };
}

/**
 * The best middle layer: highest lattice score among layers 1..L-1 (not the embeddings, which
 * cannot know where a word's object is, nor the last layer, which feeds the unembedding).
 */
export function bestLayerOf(views: readonly { layer: number; latticeScore: number }[]): number {
  const last = Math.max(...views.map((v) => v.layer));
  const middle = views.filter((v) => v.layer > 0 && (v.layer < last || last <= 1));
  return middle.reduce((best, v) => (v.latticeScore > best.latticeScore ? v : best)).layer;
}

export function summariseBank(bank: IdBank, file: string | null, seconds: number): IdBankSummary {
  const layers = bank.universal.map((_, l) => layerView(bank, l));
  return {
    bank: file,
    kind: bank.meta.kind,
    model: bank.meta.model,
    decoderHash: bank.meta.decoderHash,
    cells: bankCells(bank.meta),
    layers,
    bestLayer: bestLayerOf(layers),
    seconds,
  };
}

/**
 * What a derivation reports of its random-init control (the same architecture, untrained): the
 * lattice score per layer and, so the panel can draw the control's lattice beside the trained
 * model's, its per-layer views (PCA and axis-plane positions of the cells). The model card's
 * claim is the gap between the two: a trained model's IDs form a lattice, the control's do not.
 */
export function baselineFields(views: IdBankSummary, model: string): Pick<IdBankSummary, 'baselineLatticeScores' | 'baselineLayers' | 'baselineModel'> {
  return { baselineLatticeScores: views.layers.map((v) => v.latticeScore), baselineLayers: views.layers, baselineModel: model };
}

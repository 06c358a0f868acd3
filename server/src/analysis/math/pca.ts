import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { Vector } from './vectorOps';

/**
 * Principal component analysis of a handful of high-dimensional vectors (e.g. the 16 IDs of
 * one layer, hidden size in the thousands), via ml-matrix's SVD of the centred data.
 */

export interface PcaResult {
  /** k unit vectors in hidden space, by decreasing variance. */
  components: Float64Array[];
  /** Share of the total variance along each component (sums to <= 1). */
  explainedVarianceRatio: number[];
  /** n x k coordinates of the centred rows on the components. */
  projections: number[][];
  /** The mean row that was subtracted. */
  mean: Float64Array;
}

/**
 * PCA with k components. Signs are made deterministic (the largest-magnitude entry of each
 * component is positive) so that plots do not flip between runs of the same data.
 * Requires 1 <= k <= min(n, H); components beyond the rank of the data have zero variance
 * and an arbitrary direction.
 */
export function pca(rows: readonly Vector[], k: number): PcaResult {
  const n = rows.length;
  if (n === 0) throw new RangeError('pca: no rows given.');
  const dim = rows[0].length;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, dim)) {
    throw new RangeError(`pca: k must be an integer between 1 and min(rows, dimension) = ${Math.min(n, dim)}; got ${k}.`);
  }
  const mean = new Float64Array(dim);
  for (const row of rows) {
    if (row.length !== dim) throw new RangeError(`pca: rows have different lengths (${dim} and ${row.length}).`);
    for (let i = 0; i < dim; i++) mean[i] += row[i] / n;
  }
  const centred = new Matrix(n, dim);
  let totalSquares = 0;
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < dim; i++) {
      const value = rows[r][i] - mean[i];
      centred.set(r, i, value);
      totalSquares += value * value;
    }
  }
  // autoTranspose: the SVD routine wants rows >= columns; with few rows and a large hidden
  // size it decomposes the transpose, which is much cheaper, and swaps U and V back.
  const svd = new SingularValueDecomposition(centred, { autoTranspose: true });
  const singular = svd.diagonal;
  const right = svd.rightSingularVectors; // dim x min(n, dim), columns are the directions
  const left = svd.leftSingularVectors; // n x min(n, dim)

  const components: Float64Array[] = [];
  const explainedVarianceRatio: number[] = [];
  const projections: number[][] = Array.from({ length: n }, () => new Array<number>(k).fill(0));
  for (let c = 0; c < k; c++) {
    const component = Float64Array.from(right.getColumn(c));
    let largest = 0;
    for (let i = 1; i < dim; i++) if (Math.abs(component[i]) > Math.abs(component[largest])) largest = i;
    const sign = component[largest] < 0 ? -1 : 1;
    for (let i = 0; i < dim; i++) component[i] *= sign;
    components.push(component);
    const s = singular[c] ?? 0;
    // The total comes from the data itself, not the sum of s², so a truncated SVD still gives honest ratios.
    explainedVarianceRatio.push(totalSquares === 0 ? 0 : (s * s) / totalSquares);
    for (let r = 0; r < n; r++) projections[r][c] = sign * left.get(r, c) * s;
  }
  return { components, explainedVarianceRatio, projections, mean };
}

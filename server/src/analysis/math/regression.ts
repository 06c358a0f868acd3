import { Matrix, solve } from 'ml-matrix';

/**
 * Least-squares affine fits and their R², the quality score of the lattice views: how well
 * a low-dimensional reading of the IDs predicts the true grid coordinates or frame index.
 */

/**
 * Pooled R² of the least-squares affine fit (with intercept) from `features` (n x p) to
 * `targets` (n x q): 1 - sum over outputs of SS_res / sum over outputs of SS_tot. Pooling
 * (rather than averaging per-output R²) weights each output by its spread, which for a
 * square grid is the same for x and y. NaN when the targets do not vary (SS_tot = 0).
 */
export function affineFitR2(features: readonly (readonly number[])[], targets: readonly (readonly number[])[]): number {
  const n = features.length;
  if (n === 0 || targets.length !== n) {
    throw new RangeError(`affineFitR2: need the same non-zero number of feature rows and target rows (got ${n} and ${targets.length}).`);
  }
  const design = new Matrix(features.map((row) => [...row, 1]));
  const y = new Matrix(targets.map((row) => [...row]));
  // SVD-based solve: the features may be rank-deficient (e.g. a collapsed projection), where
  // a plain QR solve would fail; the minimum-norm solution still gives the right residuals.
  const coefficients = solve(design, y, true);
  const fitted = design.mmul(coefficients);
  let ssRes = 0;
  let ssTot = 0;
  for (let j = 0; j < y.columns; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += y.get(i, j);
    mean /= n;
    for (let i = 0; i < n; i++) {
      ssRes += (y.get(i, j) - fitted.get(i, j)) ** 2;
      ssTot += (y.get(i, j) - mean) ** 2;
    }
  }
  if (ssTot === 0) return NaN;
  // Clamp tiny negative values from rounding: an affine fit with intercept never does worse than the mean.
  return Math.min(1, Math.max(0, 1 - ssRes / ssTot));
}

/**
 * R² of the affine fit from one value per item to its position in an order (e.g. a frame
 * index); for one feature this equals the squared Pearson correlation. 0 when the values are
 * all equal (they carry no order), NaN when the order itself does not vary.
 */
export function orderScore(values1d: readonly number[], order: readonly number[]): number {
  if (values1d.length !== order.length) {
    throw new RangeError(`orderScore: ${values1d.length} values for ${order.length} positions.`);
  }
  return affineFitR2(values1d.map((v) => [v]), order.map((o) => [o]));
}

import { SeededRandom } from '../../src/scenes/random';

/** Shared fixtures for the math tests: deterministic Gaussian vectors and orthonormal bases. */

export function gaussianVector(dim: number, random: SeededRandom, scale = 1): Float64Array {
  return Float64Array.from({ length: dim }, () => scale * random.gaussian());
}

/** k orthonormal vectors in R^dim (Gram-Schmidt on Gaussian vectors). */
export function orthonormalBasis(dim: number, k: number, seed: number): Float64Array[] {
  const random = new SeededRandom(seed);
  const basis: Float64Array[] = [];
  while (basis.length < k) {
    const v = gaussianVector(dim, random);
    for (const b of basis) {
      let d = 0;
      for (let i = 0; i < dim; i++) d += v[i] * b[i];
      for (let i = 0; i < dim; i++) v[i] -= d * b[i];
    }
    const n = Math.hypot(...v);
    basis.push(v.map((x) => x / n));
  }
  return basis;
}

/** sum_j coefficients[j] * vectors[j] (+ offset), as Float32Array. */
export function combine(coefficients: readonly number[], vectors: readonly Float64Array[], offset?: ArrayLike<number>): Float32Array {
  const dim = vectors[0].length;
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    let s = offset ? offset[i] : 0;
    coefficients.forEach((c, j) => (s += c * vectors[j][i]));
    out[i] = s;
  }
  return out;
}

/** The cells of a 4x4 grid, row by row. */
export const GRID_4X4 = Array.from({ length: 16 }, (_, k) => ({ x: k % 4, y: Math.floor(k / 4) }));

export function assertClose(actual: number, expected: number, tolerance: number, what = ''): void {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new Error(`${what} expected ${expected} +- ${tolerance}, got ${actual}`);
  }
}

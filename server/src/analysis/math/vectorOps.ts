/**
 * Small vector helpers shared by the analyses. Inputs are any array of numbers (the hidden
 * states arrive as Float32Array, intermediate results may be Float64Array); sums are
 * accumulated in double precision because hidden sizes run to several thousand and float32
 * sums of that length lose digits that the cosine and mean computations need.
 */

/** A read-only numeric vector: Float32Array, Float64Array or number[]. */
export type Vector = ArrayLike<number>;

function sameLength(a: Vector, b: Vector, what: string): void {
  if (a.length !== b.length) throw new RangeError(`${what}: vectors have different lengths (${a.length} and ${b.length}).`);
}

export function dot(a: Vector, b: Vector): number {
  sameLength(a, b, 'dot');
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

export function norm(a: Vector): number {
  return Math.sqrt(dot(a, a));
}

/**
 * Cosine similarity. A zero vector has no direction, so the result is NaN rather than 0:
 * 0 would read as "orthogonal", which is a claim the data does not make.
 */
export function cosine(a: Vector, b: Vector): number {
  const denominator = norm(a) * norm(b);
  return denominator === 0 ? NaN : dot(a, b) / denominator;
}

/** a - b as a new Float32Array. */
export function sub(a: Vector, b: Vector): Float32Array {
  sameLength(a, b, 'sub');
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}

/** a + s * b as a new Float32Array (pure: neither input is modified). */
export function addScaled(a: Vector, b: Vector, s: number): Float32Array {
  sameLength(a, b, 'addScaled');
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + s * b[i];
  return out;
}

/** Element-wise mean in double precision; the building block of meanOf and the ID averages. */
export function meanOf64(rows: readonly Vector[]): Float64Array {
  if (rows.length === 0) throw new RangeError('meanOf: cannot take the mean of zero vectors.');
  const dim = rows[0].length;
  const acc = new Float64Array(dim);
  for (const row of rows) {
    sameLength(rows[0], row, 'meanOf');
    for (let i = 0; i < dim; i++) acc[i] += row[i];
  }
  for (let i = 0; i < dim; i++) acc[i] /= rows.length;
  return acc;
}

/** Element-wise mean of a non-empty set of equal-length vectors. */
export function meanOf(rows: readonly Vector[]): Float32Array {
  return Float32Array.from(meanOf64(rows));
}

/** Pairwise cosine similarities, n x n (symmetric; NaN where a row is zero). */
export function cosineMatrix(rows: readonly Vector[]): number[][] {
  const norms = rows.map(norm);
  const out = rows.map(() => new Array<number>(rows.length).fill(0));
  for (let i = 0; i < rows.length; i++) {
    for (let j = i; j < rows.length; j++) {
      const d = norms[i] * norms[j];
      const c = d === 0 ? NaN : dot(rows[i], rows[j]) / d;
      out[i][j] = c;
      out[j][i] = c;
    }
  }
  return out;
}

import { Vector, dot, meanOf64, norm } from './vectorOps';
import { affineFitR2, orderScore } from './regression';

/**
 * Spatial and temporal IDs (METHOD.md sections 1 and 5): mean-centring, averaging over
 * object pairs, the x/y (or time) axes, the orthonormal viewing plane and the lattice score.
 * All functions work on one layer; the caller loops over layers.
 */

export { orderScore };

/** Grid position of one ID: column x, row y, and optionally the object size s. */
export interface CellCoord {
  x: number;
  y: number;
  s?: number;
}

/** An orthonormal basis (u, v) of a 2-D viewing plane in hidden space. */
export interface Plane {
  u: Float32Array;
  v: Float32Array;
}

/** Subtracts the mean row from every row (METHOD.md 1.3). */
export function meanCentre(rows: readonly Vector[]): { centred: Float32Array[]; mean: Float32Array } {
  const mean = meanOf64(rows);
  const centred = rows.map((row) => {
    const out = new Float32Array(mean.length);
    for (let i = 0; i < mean.length; i++) out[i] = row[i] - mean[i];
    return out;
  });
  return { centred, mean: Float32Array.from(mean) };
}

/**
 * Universal IDs (METHOD.md 1.3-1.4): each pair's states are centred on that pair's own mean,
 * which removes what is specific to the objects, then averaged over pairs. `perPair[p][k]`
 * must be pair p's state at cell/size k, in the same order for every pair. `centre` is the
 * mean of the per-pair means: the offset to subtract from a new state before reading it.
 */
export function universalIds(perPair: readonly (readonly Vector[])[]): { ids: Float32Array[]; centre: Float32Array } {
  if (perPair.length === 0) throw new RangeError('universalIds: no object pairs given.');
  const cells = perPair[0].length;
  if (cells === 0) throw new RangeError('universalIds: the pairs have no states.');
  perPair.forEach((states, p) => {
    if (states.length !== cells) {
      throw new RangeError(`universalIds: pair ${p} has ${states.length} states but pair 0 has ${cells}; every pair must cover the same cells in the same order.`);
    }
  });
  const dim = perPair[0][0].length;
  const sums = Array.from({ length: cells }, () => new Float64Array(dim));
  const centreSum = new Float64Array(dim);
  for (const states of perPair) {
    const mean = meanOf64(states);
    for (let i = 0; i < dim; i++) centreSum[i] += mean[i];
    states.forEach((state, k) => {
      const acc = sums[k];
      for (let i = 0; i < dim; i++) acc[i] += state[i] - mean[i];
    });
  }
  const scale = 1 / perPair.length;
  return {
    ids: sums.map((acc) => Float32Array.from(acc, (value) => value * scale)),
    centre: Float32Array.from(centreSum, (value) => value * scale),
  };
}

/**
 * Mean of ID(b) - ID(a) over all pairs (a, b) that `comparable` accepts and where
 * `key(a) < key(b)`. Differences are NOT divided by the key distance, exactly as METHOD.md
 * defines the axes: far-apart pairs count for more, and for an ideal lattice x*u the
 * result is mean(x2 - x1) * u, i.e. parallel to u with a length set by the grid.
 */
function meanOrderedDifference(
  ids: readonly Vector[],
  key: (k: number) => number,
  comparable: (a: number, b: number) => boolean,
  what: string,
): Float32Array {
  const dim = ids[0]?.length ?? 0;
  const acc = new Float64Array(dim);
  let count = 0;
  for (let a = 0; a < ids.length; a++) {
    for (let b = 0; b < ids.length; b++) {
      if (key(a) >= key(b) || !comparable(a, b)) continue;
      for (let i = 0; i < dim; i++) acc[i] += ids[b][i] - ids[a][i];
      count++;
    }
  }
  if (count === 0) throw new RangeError(`${what}: no pair of IDs differs only along this axis; the grid needs at least two positions on it.`);
  return Float32Array.from(acc, (value) => value / count);
}

/**
 * The x and y axes (METHOD.md 1.5): x_axis = mean of ID(x2,y,s) - ID(x1,y,s) over all
 * pairs with equal y and s and x1 < x2 (no division by x2 - x1); y_axis likewise with x
 * and s held equal. An absent s counts as one size.
 */
export function idAxes(ids: readonly Vector[], coords: readonly CellCoord[]): { xAxis: Float32Array; yAxis: Float32Array } {
  if (ids.length !== coords.length) throw new RangeError(`idAxes: ${ids.length} IDs for ${coords.length} coordinates.`);
  const sameSize = (a: number, b: number) => coords[a].s === coords[b].s;
  return {
    xAxis: meanOrderedDifference(ids, (k) => coords[k].x, (a, b) => coords[a].y === coords[b].y && sameSize(a, b), 'idAxes (x)'),
    yAxis: meanOrderedDifference(ids, (k) => coords[k].y, (a, b) => coords[a].x === coords[b].x && sameSize(a, b), 'idAxes (y)'),
  };
}

/** The temporal axis (METHOD.md 5): mean of TID(f2) - TID(f1) over all f1 < f2. */
export function timeAxis(ids: readonly Vector[], frames: readonly number[]): Float32Array {
  if (ids.length !== frames.length) throw new RangeError(`timeAxis: ${ids.length} IDs for ${frames.length} frames.`);
  return meanOrderedDifference(ids, (k) => frames[k], () => true, 'timeAxis');
}

/** Gram-Schmidt: u along xAxis, v the unit part of yAxis orthogonal to u. */
export function orthonormalPlane(xAxis: Vector, yAxis: Vector): Plane {
  const xNorm = norm(xAxis);
  if (!(xNorm > 0)) throw new RangeError('orthonormalPlane: the x axis is a zero vector, so it defines no direction.');
  const u = Float32Array.from(xAxis, (value) => value / xNorm);
  const along = dot(yAxis, u);
  const rest = Float64Array.from(yAxis, (value, i) => value - along * u[i]);
  const restNorm = norm(rest);
  // Relative test: a y axis (almost) parallel to x leaves only rounding noise after projection.
  if (!(restNorm > 1e-6 * norm(yAxis))) {
    throw new RangeError('orthonormalPlane: the y axis is zero or parallel to the x axis, so the two axes span no plane.');
  }
  return { u, v: Float32Array.from(rest, (value) => value / restNorm) };
}

/** Coordinates of a vector in the plane: [vec . u, vec . v]. */
export function projectOnPlane(vec: Vector, plane: Plane): [number, number] {
  return [dot(vec, plane.u), dot(vec, plane.v)];
}

/**
 * How lattice-like the IDs look in the plane: pooled R² of the affine least-squares fit from
 * the 2-D projections to the true (x, y). 1 for a perfect (possibly rotated, sheared or
 * scaled) lattice. Caveat: do not score IDs in a plane built from those same IDs (idAxes):
 * the axes are sums of differences ordered by x and y, so in high dimension even random
 * vectors project onto them almost exactly linearly in x and y and score ~1. Use a plane
 * from other data (e.g. the other half of the object pairs) or heldOutLatticeScore.
 */
export function latticeScore(ids: readonly Vector[], coords: readonly CellCoord[], plane: Plane): number {
  if (ids.length !== coords.length) throw new RangeError(`latticeScore: ${ids.length} IDs for ${coords.length} coordinates.`);
  return affineFitR2(
    ids.map((id) => projectOnPlane(id, plane)),
    coords.map((c) => [c.x, c.y]),
  );
}

/**
 * Temporal counterpart of latticeScore: R² of the affine fit from the projection on the
 * (unit) time axis to the frame index. The axis comes from the same IDs, so this has the
 * circularity described at latticeScore (random vectors score ~1 in high dimension); show
 * heldOutTemporalScore as the evidence and this one only next to it.
 */
export function temporalLatticeScore(ids: readonly Vector[], frames: readonly number[]): number {
  const axis = timeAxis(ids, frames);
  const axisNorm = norm(axis);
  if (!(axisNorm > 0)) return 0; // all IDs equal: no ordering at all
  return orderScore(ids.map((id) => dot(id, axis) / axisNorm), frames);
}

function without<T>(items: readonly T[], k: number): T[] {
  return items.filter((_, i) => i !== k);
}

/**
 * Leave-one-out lattice score: each ID is projected on the plane of the axes computed from
 * the other IDs, then the pooled affine R² is taken as in latticeScore. An ID then only scores
 * if the others predict where it lies, which removes the circularity of scoring IDs on their
 * own axes: random vectors score near chance, a true lattice still scores 1. Needs every
 * row and column to keep two cells without any one ID (true for a full grid of 3x3 or more).
 */
export function heldOutLatticeScore(ids: readonly Vector[], coords: readonly CellCoord[]): number {
  if (ids.length !== coords.length) throw new RangeError(`heldOutLatticeScore: ${ids.length} IDs for ${coords.length} coordinates.`);
  const projections = ids.map((id, k) => {
    const { xAxis, yAxis } = idAxes(without(ids, k), without(coords, k));
    return projectOnPlane(id, orthonormalPlane(xAxis, yAxis));
  });
  return affineFitR2(projections, coords.map((c) => [c.x, c.y]));
}

/** Leave-one-out counterpart of temporalLatticeScore (see heldOutLatticeScore for why). */
export function heldOutTemporalScore(ids: readonly Vector[], frames: readonly number[]): number {
  if (ids.length !== frames.length) throw new RangeError(`heldOutTemporalScore: ${ids.length} IDs for ${frames.length} frames.`);
  const values = ids.map((id, k) => {
    const axis = timeAxis(without(ids, k), without(frames, k));
    const axisNorm = norm(axis);
    return axisNorm > 0 ? dot(id, axis) / axisNorm : 0;
  });
  return orderScore(values, frames);
}

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SeededRandom } from '../../scenes/random';
import { GRID_4X4, assertClose, combine, gaussianVector, orthonormalBasis } from '../../../test/support/mathTestFixtures';
import {
  heldOutLatticeScore,
  heldOutTemporalScore,
  idAxes,
  latticeScore,
  meanCentre,
  orderScore,
  orthonormalPlane,
  projectOnPlane,
  temporalLatticeScore,
  timeAxis,
  universalIds,
} from './spatialIds';
import { cosine, dot, norm } from './vectorOps';

const DIM = 64;

test('meanCentre removes the mean and returns it', () => {
  const { centred, mean } = meanCentre([new Float32Array([1, 10]), new Float32Array([3, 20]), new Float32Array([5, 60])]);
  assert.deepEqual(Array.from(mean), [3, 30]);
  assert.deepEqual(centred.map((r) => Array.from(r)), [[-2, -20], [0, -10], [2, 30]]);
});

test('universal IDs recover the shared lattice code and drop pair-specific offsets', () => {
  const [u, v] = orthonormalBasis(DIM, 2, 1);
  const random = new SeededRandom(2);
  const offsets = Array.from({ length: 6 }, () => gaussianVector(DIM, random, 5));
  const perPair = offsets.map((offset) =>
    GRID_4X4.map(({ x, y }) => {
      const state = combine([x, y], [u, v], offset);
      for (let i = 0; i < DIM; i++) state[i] += 0.01 * random.gaussian();
      return state;
    }),
  );
  const { ids, centre } = universalIds(perPair);
  assert.equal(ids.length, 16);
  GRID_4X4.forEach(({ x, y }, k) => {
    const expected = combine([x - 1.5, y - 1.5], [u, v]);
    for (let i = 0; i < DIM; i++) assertClose(ids[k][i], expected[i], 0.02, `ID ${k}[${i}]`);
  });
  // The centre is what a new state must lose: mean offset plus the grid's mean position.
  const expectedCentre = combine([1.5, 1.5], [u, v]);
  for (let i = 0; i < DIM; i++) {
    const meanOffset = offsets.reduce((s, o) => s + o[i], 0) / offsets.length;
    assertClose(centre[i], expectedCentre[i] + meanOffset, 0.02, `centre[${i}]`);
  }
  assert.throws(() => universalIds([perPair[0], perPair[1].slice(1)]), /pair 1 has 15 states/);
});

test('idAxes follow METHOD.md: mean undivided difference within the same row and size', () => {
  const [u, v, w] = orthonormalBasis(DIM, 3, 3);
  // A per-row nonlinearity (y^2 w) and a size term (s w) must cancel: only same-row, same-size pairs count.
  const coords = [0, 1].flatMap((s) => GRID_4X4.map((c) => ({ ...c, s })));
  const ids = coords.map(({ x, y, s }) => combine([x, y, y * y + 7 * s], [u, v, w]));
  const { xAxis, yAxis } = idAxes(ids, coords);
  // Over 4 columns the pairs x1<x2 have differences 1,1,1,2,2,3: mean 5/3.
  const expectedX = combine([5 / 3], [u]);
  for (let i = 0; i < DIM; i++) assertClose(xAxis[i], expectedX[i], 1e-5, `xAxis[${i}]`);
  assertClose(dot(yAxis, v), 5 / 3, 1e-5);
  assertClose(dot(yAxis, u), 0, 1e-5);
  // mean over pairs y1<y2 of (y2^2 - y1^2) = (1+4+9+3+8+5)/6 = 5
  assertClose(dot(yAxis, w), 5, 1e-4);
  assert.throws(() => idAxes(ids.slice(0, 1), coords.slice(0, 1)), /at least two positions/);
});

test('orthonormalPlane gives u along x and v orthogonal unit', () => {
  const [a, b] = orthonormalBasis(DIM, 2, 4);
  const xAxis = combine([2], [a]);
  const yAxis = combine([1, 3], [a, b]); // not orthogonal to x
  const plane = orthonormalPlane(xAxis, yAxis);
  assertClose(norm(plane.u), 1, 1e-6);
  assertClose(norm(plane.v), 1, 1e-6);
  assertClose(dot(plane.u, plane.v), 0, 1e-6);
  assertClose(cosine(plane.u, a), 1, 1e-6);
  assertClose(cosine(plane.v, b), 1, 1e-6);
  const [p, q] = projectOnPlane(combine([4, -5], [a, b]), plane);
  assertClose(p, 4, 1e-5);
  assertClose(q, -5, 1e-5);
  assert.throws(() => orthonormalPlane(xAxis, combine([-3], [a])), /parallel/);
  assert.throws(() => orthonormalPlane(new Float32Array(DIM), yAxis), /zero vector/);
});

test('latticeScore is 1 for a skewed, scaled lattice and low for random vectors', () => {
  const [a, b, c] = orthonormalBasis(DIM, 3, 5);
  const ids = GRID_4X4.map(({ x, y }) => combine([2 * x + y, -0.5 * y, 3], [a, b, c]));
  const { xAxis, yAxis } = idAxes(ids, GRID_4X4);
  const plane = orthonormalPlane(xAxis, yAxis);
  assertClose(latticeScore(ids, GRID_4X4, plane), 1, 1e-6, 'perfect lattice');

  const random = new SeededRandom(6);
  const noise = GRID_4X4.map(() => Float32Array.from(gaussianVector(DIM, random)));
  const independentPlane = orthonormalPlane(gaussianVector(DIM, random), gaussianVector(DIM, random));
  const score = latticeScore(noise, GRID_4X4, independentPlane);
  assert.ok(score < 0.5, `random vectors scored ${score}`);

  // Scrambling which ID belongs to which cell destroys the perfect score.
  const scrambled = [5, 0, 9, 14, 2, 11, 7, 12, 1, 15, 4, 8, 13, 3, 10, 6].map((k) => ids[k]);
  assert.ok(latticeScore(scrambled, GRID_4X4, plane) < 0.5);
});

test('orderScore is the squared correlation of the affine fit', () => {
  assertClose(orderScore([1, 2, 3, 4], [0, 1, 2, 3]), 1, 1e-12);
  assertClose(orderScore([-8, -6, -4, -2], [0, 1, 2, 3]), 1, 1e-12);
  assertClose(orderScore([1, -1, 1, -1], [0, 1, 2, 3]), 0.2, 1e-12);
  assert.equal(orderScore([5, 5, 5], [0, 1, 2]), 0);
  assert.ok(Number.isNaN(orderScore([1, 2, 3], [4, 4, 4])));
});

test('temporal IDs: time axis and lattice score', () => {
  const [t, d] = orthonormalBasis(DIM, 2, 7);
  const frames = [0, 1, 2, 3, 4, 5, 6, 7];
  const ids = frames.map((f) => combine([f, Math.sin(f)], [t, d]));
  // mean of (f2 - f1) over the 28 pairs of 8 frames is 3
  assertClose(dot(timeAxis(ids, frames), t), 3, 1e-5);
  assertClose(temporalLatticeScore(ids, frames), 1, 0.01, 'ordered IDs');
  const shuffledFrames = [3, 6, 0, 5, 2, 7, 1, 4];
  const linear = frames.map((f) => combine([f], [t]));
  assert.ok(temporalLatticeScore(linear, shuffledFrames) < 0.5, 'IDs whose order does not match the frames');
  assert.equal(temporalLatticeScore(frames.map(() => new Float32Array(DIM)), frames), 0);
});

test('scoring random IDs on their own axes is circular; the held-out scores are not', () => {
  const random = new SeededRandom(8);
  const dim = 1024;
  const ids = GRID_4X4.map(() => Float32Array.from(gaussianVector(dim, random)));
  const { xAxis, yAxis } = idAxes(ids, GRID_4X4);
  // Documents the trap: near-orthogonal random vectors look like a lattice on their own axes.
  assert.ok(latticeScore(ids, GRID_4X4, orthonormalPlane(xAxis, yAxis)) > 0.9);
  const heldOut = heldOutLatticeScore(ids, GRID_4X4);
  assert.ok(heldOut < 0.5, `held-out score of random IDs ${heldOut}`);

  const [u, v] = orthonormalBasis(dim, 2, 9);
  const lattice = GRID_4X4.map(({ x, y }) => {
    const id = combine([x, y], [u, v]);
    for (let i = 0; i < dim; i++) id[i] += 0.02 * random.gaussian();
    return id;
  });
  assert.ok(heldOutLatticeScore(lattice, GRID_4X4) > 0.95);

  const frames = [0, 1, 2, 3, 4, 5, 6, 7];
  const randomTemporal = frames.map(() => Float32Array.from(gaussianVector(dim, random)));
  assert.ok(temporalLatticeScore(randomTemporal, frames) > 0.9);
  assert.ok(heldOutTemporalScore(randomTemporal, frames) < 0.5);
  assert.ok(heldOutTemporalScore(frames.map((f) => combine([f], [u])), frames) > 0.999);
});

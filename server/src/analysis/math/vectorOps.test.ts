import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { addScaled, cosine, cosineMatrix, dot, meanOf, norm, sub } from './vectorOps';

test('dot, norm and cosine on small vectors', () => {
  const a = new Float32Array([3, 4, 0]);
  const b = new Float64Array([0, 4, 3]);
  assert.equal(dot(a, b), 16);
  assert.equal(norm(a), 5);
  assert.equal(cosine(a, b), 16 / 25);
  assert.equal(cosine(a, a), 1);
  assert.ok(Number.isNaN(cosine(a, new Float32Array(3))), 'a zero vector has no cosine');
  assert.throws(() => dot(a, new Float32Array(2)), /different lengths/);
});

test('sub and addScaled return new arrays and leave inputs alone', () => {
  const a = new Float32Array([1, 2, 3]);
  const b = new Float32Array([1, 1, 1]);
  assert.deepEqual(Array.from(sub(a, b)), [0, 1, 2]);
  assert.deepEqual(Array.from(addScaled(a, b, -2)), [-1, 0, 1]);
  assert.deepEqual(Array.from(a), [1, 2, 3]);
});

test('meanOf averages element-wise and rejects an empty set', () => {
  const m = meanOf([new Float32Array([1, 0]), new Float32Array([3, 4]), new Float32Array([2, 2])]);
  assert.ok(m instanceof Float32Array);
  assert.deepEqual(Array.from(m), [2, 2]);
  assert.throws(() => meanOf([]), /zero vectors/);
});

test('cosineMatrix is symmetric with ones on the diagonal', () => {
  const rows = [new Float32Array([1, 0]), new Float32Array([0, 2]), new Float32Array([1, 1])];
  const c = cosineMatrix(rows);
  assert.equal(c.length, 3);
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(c[i][i] - 1) < 1e-12);
    for (let j = 0; j < 3; j++) assert.equal(c[i][j], c[j][i]);
  }
  assert.equal(c[0][1], 0);
  assert.ok(Math.abs(c[0][2] - Math.SQRT1_2) < 1e-12);
});

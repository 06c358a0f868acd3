import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomDirection, rescaleTo, steeringDelta } from './steeringVectors';
import { assertClose } from '../../../test/support/mathTestFixtures';
import { cosine, norm } from './vectorOps';

test('rescaleTo keeps the direction and sets the norm', () => {
  const out = rescaleTo(new Float32Array([3, 0, 4]), 10);
  assert.deepEqual(Array.from(out), [6, 0, 8]);
  assert.throws(() => rescaleTo(new Float32Array(3), 1), /zero vector/);
  assert.throws(() => rescaleTo(new Float32Array([1]), -1), />= 0/);
});

test('steeringDelta is (target - source) at factor x state norm', () => {
  const target = new Float32Array([1, 2, 0, 0]);
  const source = new Float32Array([1, 0, 0, 2]);
  const delta = steeringDelta(target, source, 3, 5);
  assertClose(norm(delta), 15, 1e-5);
  assertClose(cosine(delta, [0, 2, 0, -2]), 1, 1e-6);
  assert.throws(() => steeringDelta(target, target, 3, 5), /same cell/);
});

test('randomDirection is a deterministic unit vector, different per seed', () => {
  const a = randomDirection(4096, 7);
  assert.deepEqual(a, randomDirection(4096, 7));
  assertClose(norm(a), 1, 1e-5);
  const b = randomDirection(4096, 8);
  // Independent directions in high dimension are nearly orthogonal (|cos| ~ 1/sqrt(4096)).
  assert.ok(Math.abs(cosine(a, b)) < 0.1);
  // Gaussian entries: scaled to unit variance, their mean is near 0 and ~68% lie within 1.
  const scaled = Array.from(a, (v) => v * 64);
  const mean = scaled.reduce((s, v) => s + v, 0) / scaled.length;
  assert.ok(Math.abs(mean) < 0.1, `mean ${mean}`);
  const withinOne = scaled.filter((v) => Math.abs(v) < 1).length / scaled.length;
  assert.ok(Math.abs(withinOne - 0.683) < 0.03, `share within one sd ${withinOne}`);
});

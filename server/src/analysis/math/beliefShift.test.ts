import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { meanBeliefShift, normalisedBeliefShift } from './beliefShift';

test('normalised belief shift is the carried fraction of the mirror effect', () => {
  assert.equal(normalisedBeliefShift(-0.5, -0.5, -2.5), 0); // patch does nothing
  assert.equal(normalisedBeliefShift(-0.5, -2.5, -2.5), 1); // patch does everything
  assert.equal(normalisedBeliefShift(-0.5, -1.5, -2.5), 0.5);
  assert.equal(normalisedBeliefShift(-2, -1, -1), 1); // works for a word that gains probability too
  assert.ok(Number.isNaN(normalisedBeliefShift(-1, -2, -1)), 'no mirror effect: undefined');
  assert.ok(Number.isNaN(normalisedBeliefShift(-1, -2, -1 + 1e-9)));
});

test('meanBeliefShift averages the defined words only', () => {
  assert.equal(meanBeliefShift([
    { orig: -0.5, patched: -1.5, mirror: -2.5 }, // 0.5
    { orig: -2.5, patched: -0.5, mirror: -0.5 }, // 1
    { orig: -1, patched: -3, mirror: -1 }, // NaN, skipped
  ]), 0.75);
  assert.ok(Number.isNaN(meanBeliefShift([{ orig: -1, patched: -3, mirror: -1 }])));
  assert.ok(Number.isNaN(meanBeliefShift([])));
});

test('a mirror effect below the threshold is not normalised by (the ratio would divide by noise)', () => {
  const barelyMoved = { orig: -1.59, patched: -4.73, mirror: -1.64 }; // 0.05 nats: ratio 63
  assert.ok(Math.abs(meanBeliefShift([barelyMoved]) - 62.8) < 0.1, 'the bare ratio explodes');
  assert.ok(Number.isNaN(meanBeliefShift([barelyMoved], 0.5)));
  assert.equal(meanBeliefShift([barelyMoved, { orig: -0.5, patched: -1.5, mirror: -2.5 }], 0.5), 0.5);
});

import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { evenlySpaced } from './videoFrames';

test('frames are spread evenly from the first to the last', () => {
  assert.deepEqual(evenlySpaced(8, 8), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(evenlySpaced(100, 5), [0, 25, 50, 74, 99]);
});

test('short clips repeat frames rather than invent them', () => {
  assert.deepEqual(evenlySpaced(3, 5), [0, 1, 1, 2, 2]);
  assert.deepEqual(evenlySpaced(1, 3), [0, 0, 0]);
});

import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameCollector, uniformIndices } from './frameSampling';

test('uniformIndices is round(linspace(0, total - 1, count)), half to even like numpy', () => {
  assert.deepEqual(uniformIndices(12, 5), [0, 3, 6, 8, 11]); // 0 2.75 5.5 8.25 11
  assert.deepEqual(uniformIndices(10, 3), [0, 4, 9]); // 4.5 -> 4 (even)
  assert.deepEqual(uniformIndices(8, 3), [0, 4, 7]); // 3.5 -> 4 (even)
  assert.deepEqual(uniformIndices(16, 16), [...Array(16).keys()]);
  assert.deepEqual(uniformIndices(100, 4), [0, 33, 66, 99]);
  assert.deepEqual(uniformIndices(7, 1), [0]);
});

test('fewer frames than asked repeats frames, keeping first and last', () => {
  assert.deepEqual(uniformIndices(3, 5), [0, 0, 1, 2, 2]); // 0 0.5 1 1.5 2
  assert.deepEqual(uniformIndices(1, 4), [0, 0, 0, 0]);
  assert.deepEqual(uniformIndices(2, 4), [0, 0, 1, 1]); // 0 1/3 2/3 1
});

test('uniformIndices rejects nonsense', () => {
  assert.throws(() => uniformIndices(0, 3), RangeError);
  assert.throws(() => uniformIndices(5, 0), RangeError);
  assert.throws(() => uniformIndices(5, 1.5), RangeError);
});

const frame = (i: number) => ({ width: 1, height: 1, data: Uint8Array.from([i % 256, Math.floor(i / 256), 0]) });
const id = (f: { image: { data: Uint8Array } }) => f.image.data[0] + 256 * f.image.data[1];

test('under budget the collector samples exactly', () => {
  const c = new FrameCollector(5, 3, 1000);
  for (let i = 0; i < 12; i++) c.push(frame(i));
  assert.equal(c.frameCount, 12);
  assert.deepEqual(c.sample().map(id), [0, 3, 6, 8, 11]);
  assert.deepEqual(c.sample().map((f) => f.index), [0, 3, 6, 8, 11], 'each frame says which it is');
  assert.deepEqual(new FrameCollector(3, 3, 1000).sample(), []);
});

test('over budget the collector bounds memory and still spans the clip, last frame exact', () => {
  const count = 4;
  const c = new FrameCollector(count, 3, 3 * 10); // room for 10 frames
  let maxHeld = 0;
  for (let i = 0; i < 1000; i++) {
    c.push(frame(i));
    maxHeld = Math.max(maxHeld, c.heldCount);
  }
  assert.equal(c.frameCount, 1000);
  assert.ok(maxHeld <= 11, `held up to ${maxHeld} frames`);
  const picked = c.sample().map(id);
  const exact = uniformIndices(1000, count); // 0 333 666 999
  assert.equal(picked[0], 0);
  assert.equal(picked[3], 999);
  // Kept frames are 2^k apart with at least 2 * count of them, so picks are within 1000 / (2 * 2 * count).
  picked.forEach((p, i) => assert.ok(Math.abs(p - exact[i]) <= 1000 / (4 * count), `pick ${i}: ${p} vs ${exact[i]}`));
  assert.equal(new Set(picked).size, count, 'distinct frames');
  assert.deepEqual(c.sample().map((f) => f.index), picked, 'the index named is the frame returned');
});

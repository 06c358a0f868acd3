import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { idefics3ResizeSize, qwen2vlSmartResize, roundHalfEven } from './huggingFaceSizes';

test("Python's round: halves to even", () => {
  assert.deepEqual([0.5, 1.5, 2.5, 3.5, 2.4, 2.6, -0.5].map(roundHalfEven), [0, 2, 2, 4, 2, 3, 0]);
});

test("Qwen2-VL's smart_resize rounds like Python: 70 px is 2.5 steps of 28, so 56, not 84", () => {
  assert.deepEqual(qwen2vlSmartResize(70, 140, 28, 56 * 56, 14 * 14 * 4 * 1280), [56, 140]);
  assert.deepEqual(qwen2vlSmartResize(100, 150, 28, 3136, 12845056), [112, 140], 'the twin photo');
  // past max_pixels: scaled down by sqrt, floored to the factor
  assert.deepEqual(qwen2vlSmartResize(1000, 1000, 28, 3136, 28 * 28 * 100), [280, 280]);
});

test("Idefics3's resize makes the short side even (HF: 150x100 at longest edge 128 -> 128x86)", () => {
  assert.deepEqual(idefics3ResizeSize(100, 150, 128), [86, 128]);
  assert.deepEqual(idefics3ResizeSize(423, 640, 2048), [1354, 2048]);
  assert.deepEqual(idefics3ResizeSize(150, 100, 128), [128, 86], 'portrait: the width made even');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImageDecodeError } from './bmpDecoder';
import { preprocessImage, toPixelValues } from './imagePreprocessor';
import type { PreprocessorConfig } from './modelFolder';

const cfg2x2: PreprocessorConfig = { size: { height: 2, width: 2 }, do_rescale: true, rescale_factor: 1 / 255, do_normalize: true, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] };
// 2x2 RGB, row-major HWC: red, green / blue, white
const PIXELS = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
// CHW after (x/255 - 0.5) / 0.5: R plane, G plane, B plane
const EXPECTED = [1, -1, -1, 1, -1, 1, -1, 1, -1, -1, 1, 1];

test('a known 2x2 image becomes exact CHW floats', async () => {
  const out = await preprocessImage({ width: 2, height: 2, data: PIXELS }, cfg2x2);
  assert.deepEqual(Array.from(out), EXPECTED);
});

test('rescale and normalise follow the config, per channel', () => {
  const cfg: PreprocessorConfig = { ...cfg2x2, image_mean: [0.25, 0.5, 0.75], image_std: [0.5, 0.25, 0.125] };
  const out = toPixelValues({ width: 1, height: 1, data: Uint8Array.from([51, 102, 204]) }, cfg);
  // 51/255 = 0.2, 102/255 = 0.4, 204/255 = 0.8
  const want = [(0.2 - 0.25) / 0.5, (0.4 - 0.5) / 0.25, (0.8 - 0.75) / 0.125];
  out.forEach((v, c) => assert.ok(Math.abs(v - want[c]) < 1e-6, `channel ${c}: ${v} vs ${want[c]}`));
  const raw = toPixelValues({ width: 1, height: 1, data: Uint8Array.from([51, 102, 204]) }, { ...cfg, do_rescale: false, do_normalize: false });
  assert.deepEqual(Array.from(raw), [51, 102, 204]);
});

test('a larger image is resized to the preprocessor size', async () => {
  const big = { width: 8, height: 4, data: new Uint8Array(8 * 4 * 3).fill(255) };
  const out = await preprocessImage(big, cfg2x2);
  assert.equal(out.length, 3 * 2 * 2);
  assert.ok(out.every((v) => Math.abs(v - 1) < 1e-6));
});

test('pixels of the wrong byte count, or of another size with resizing off, are refused naming both sizes', async () => {
  assert.throws(() => toPixelValues({ width: 2, height: 2, data: PIXELS.subarray(0, 9) }, cfg2x2), (e: unknown) => e instanceof ImageDecodeError && /2x2 needs 12 bytes, not 9/.test(e.message));
  const big = { width: 4, height: 2, data: new Uint8Array(4 * 2 * 3) };
  await assert.rejects(preprocessImage(big, { ...cfg2x2, do_resize: false }), (e: unknown) => e instanceof ImageDecodeError && /4x2 but preprocessor_config.json turns resizing off and the encoder takes 2x2/.test(e.message));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { ImageDecodeError, decodeImageBytes, preprocessImage, toPixelValues } from './imagePreprocessor';
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

test('PNG, JPEG, WebP and GIF files decode to RGB; PNG and BMP exactly', async () => {
  const raw = sharp(Buffer.from(PIXELS), { raw: { width: 2, height: 2, channels: 3 } });
  const png = await decodeImageBytes(await raw.clone().png().toBuffer());
  assert.deepEqual([png.width, png.height, Array.from(png.data)], [2, 2, Array.from(PIXELS)]);
  const rgba = await decodeImageBytes(await raw.clone().ensureAlpha(0.5).png().toBuffer());
  assert.deepEqual(Array.from(rgba.data), Array.from(PIXELS), 'alpha is dropped, as PIL convert("RGB") does');
  for (const fmt of ['jpeg', 'webp', 'gif'] as const) {
    const img = await decodeImageBytes(await raw.clone().toFormat(fmt).toBuffer());
    assert.deepEqual([img.width, img.height, img.data.length], [2, 2, 12], fmt);
  }
  // 24-bit bottom-up BMP: rows padded to 4 bytes, BGR order, bottom row first
  const header = Buffer.alloc(54);
  header.write('BM', 0);
  header.writeUInt32LE(54 + 16, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(2, 18);
  header.writeInt32LE(2, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  const rows = Buffer.from([255, 0, 0, 255, 255, 255, 0, 0, /* blue, white */ 0, 0, 255, 0, 255, 0, 0, 0 /* red, green */]);
  const bmp = await decodeImageBytes(Buffer.concat([header, rows]), 'tiny.bmp');
  assert.deepEqual(Array.from(bmp.data), Array.from(PIXELS));
});

test('a larger image is resized to the preprocessor size', async () => {
  const big = { width: 8, height: 4, data: new Uint8Array(8 * 4 * 3).fill(255) };
  const out = await preprocessImage(big, cfg2x2);
  assert.equal(out.length, 3 * 2 * 2);
  assert.ok(out.every((v) => Math.abs(v - 1) < 1e-6));
});

test('a corrupt image gives a clear error', async () => {
  const png = await sharp(Buffer.from(PIXELS), { raw: { width: 2, height: 2, channels: 3 } }).png().toBuffer();
  for (const bytes of [png.subarray(0, 30), Buffer.from('not an image at all'), Buffer.from('BM\x00\x00')]) {
    await assert.rejects(decodeImageBytes(bytes, 'broken.png'), (e: unknown) => {
      assert.ok(e instanceof ImageDecodeError);
      assert.match(e.message, /broken\.png (could not be decoded as an image|is not a readable BMP)/);
      return true;
    });
  }
});

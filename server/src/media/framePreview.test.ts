import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import type { RgbImage } from '../scenes/renderScene';
import { FRAME_PREVIEW_MAX_SIDE, framePreviewDataUrl } from './framePreview';

function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([x % 256, y % 256, (x * y) % 256], (y * width + x) * 3);
  return { width, height, data };
}

async function decode(url: string): Promise<{ width: number; height: number; data: Buffer }> {
  const m = /^data:image\/png;base64,(.+)$/.exec(url);
  assert.ok(m, `a PNG data URL: ${url.slice(0, 40)}`);
  const { data, info } = await sharp(Buffer.from(m[1], 'base64')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

test('a frame at the encoder size comes back as a PNG of exactly its pixels', async () => {
  const frame = gradient(96, 64);
  const png = await decode(await framePreviewDataUrl(frame));
  assert.deepEqual([png.width, png.height], [96, 64]);
  assert.ok(png.data.equals(Buffer.from(frame.data)), 'lossless');
});

test('a frame larger than the bound is scaled down inside it, keeping the aspect ratio', async () => {
  const png = await decode(await framePreviewDataUrl(gradient(1000, 500)));
  assert.deepEqual([png.width, png.height], [FRAME_PREVIEW_MAX_SIDE, FRAME_PREVIEW_MAX_SIDE / 2]);
});

test('a view into a larger buffer encodes only the frame', async () => {
  const frame = gradient(8, 8);
  const shared = new Uint8Array(frame.data.length * 3);
  shared.set(frame.data, frame.data.length);
  const png = await decode(await framePreviewDataUrl({ width: 8, height: 8, data: shared.subarray(frame.data.length, 2 * frame.data.length) }));
  assert.ok(png.data.equals(Buffer.from(frame.data)));
});

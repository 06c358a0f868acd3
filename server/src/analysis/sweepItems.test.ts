import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import type { RgbImage } from '../scenes/renderScene';
import { mirrorInPlace } from './sweepItems';

/** The in-place mirror of a user's picture (no second copy of a large image) is sharp's flop / flip, pixel for pixel. */

function randomImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761 + 12345) >>> 24;
  return { width, height, data };
}

async function sharpMirror(img: RgbImage, axis: 'horizontal' | 'vertical'): Promise<Uint8Array> {
  const s = sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } });
  return new Uint8Array(await (axis === 'horizontal' ? s.flop() : s.flip()).raw().toBuffer());
}

test('mirrorInPlace equals sharp for odd and even sizes, both axes, and across its yields', async () => {
  // 1500 px rows: the 4 MB yield interval falls inside the image
  for (const [w, h] of [[1, 1], [7, 5], [8, 6], [1500, 1001]]) {
    for (const axis of ['horizontal', 'vertical'] as const) {
      const img = randomImage(w, h);
      const expected = await sharpMirror(img, axis);
      await mirrorInPlace(img, axis);
      assert.ok(Buffer.from(img.data).equals(Buffer.from(expected)), `${w}x${h} ${axis}`);
    }
  }
});

test('mirrorInPlace stops with the cancellation error between its rows', async () => {
  const img = randomImage(1500, 2000);
  await assert.rejects(mirrorInPlace(img, 'horizontal', { isCancelled: () => true }), { name: 'CancelledError' });
});

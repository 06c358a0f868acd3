import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import type { RgbImage } from '../scenes/renderScene';
import { PIL_FILTERS, resampleChannels, resamplePil } from './pilResample';

/**
 * resamplePil against PIL.Image.resize outputs written by
 * test/fixtures/resample/make_resample_fixtures.py: byte equality for every image, size and filter
 * (tolerance 0: the point is to be PIL, not near it).
 */

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/resample');

interface ResizeCase {
  image: string;
  width: number;
  height: number;
  filters: number[];
  file: string;
}
interface Index {
  pil: string;
  images: Record<string, { file: string; width: number; height: number }>;
  resize: ResizeCase[];
}

const index = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'index.json'), 'utf8')) as Index;

async function readPng(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(path.join(FIXTURES, file)).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 3, `${file} is RGB`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

const FILTER_NAMES = ['nearest', 'lanczos', 'bilinear', 'bicubic', 'box', 'hamming'];

test(`byte-equal to PIL ${index.pil} Image.resize for every fixture image, size and filter`, async (t) => {
  const inputs = new Map<string, RgbImage>();
  for (const [name, im] of Object.entries(index.images)) inputs.set(name, await readPng(im.file));
  assert.ok(index.resize.length >= 20, 'fixture cases present');
  const failures: string[] = [];
  let compared = 0;
  for (const c of index.resize) {
    const input = inputs.get(c.image)!;
    const stacked = await readPng(c.file);
    assert.equal(stacked.width, c.width);
    assert.equal(stacked.height, c.height * c.filters.length);
    const plane = c.width * c.height * 3;
    c.filters.forEach((filter, i) => {
      const expected = stacked.data.subarray(i * plane, (i + 1) * plane);
      const got = resamplePil(input, c.width, c.height, filter);
      assert.equal(got.width, c.width);
      assert.equal(got.height, c.height);
      let differing = 0;
      let maxDiff = 0;
      for (let k = 0; k < plane; k++) {
        const d = Math.abs(got.data[k] - expected[k]);
        if (d) differing++;
        maxDiff = Math.max(maxDiff, d);
      }
      compared++;
      if (differing) {
        failures.push(`${c.image} ${input.width}x${input.height} -> ${c.width}x${c.height} ${FILTER_NAMES[filter]}: ${differing} bytes differ, max ${maxDiff}`);
      }
    });
  }
  t.diagnostic(`${compared} resizes compared`);
  assert.deepEqual(failures, [], failures.join('\n'));
});

test('same size gives an equal copy, never the input buffer; the input is not modified', () => {
  const img: RgbImage = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i * 13) };
  const before = img.data.slice();
  for (let f = 0; f <= 5; f++) {
    const out = resamplePil(img, 3, 2, f);
    assert.notEqual(out.data, img.data);
    assert.deepEqual(out.data, img.data);
    resamplePil(img, 5, 1, f);
  }
  assert.deepEqual(img.data, before);
});

test('a flat image stays flat under every filter and size (weights sum to one in fixed point)', () => {
  const img: RgbImage = { width: 7, height: 5, data: new Uint8Array(7 * 5 * 3).fill(201) };
  for (let f = 0; f <= 5; f++) {
    for (const [w, h] of [[3, 2], [19, 11], [1, 1], [7, 9]]) {
      assert.ok(resamplePil(img, w, h, f).data.every((v) => v === 201), `filter ${f} to ${w}x${h}`);
    }
  }
});

test('one channel (PIL mode L) runs the same arithmetic as each RGB channel', () => {
  const rgb: RgbImage = { width: 9, height: 4, data: Uint8Array.from({ length: 108 }, (_, i) => (i * 97) % 256) };
  const red: RgbImage = { width: 9, height: 4, data: rgb.data.filter((_, i) => i % 3 === 0) };
  const fromRgb = resamplePil(rgb, 5, 7, PIL_FILTERS.LANCZOS).data.filter((_, i) => i % 3 === 0);
  assert.deepEqual(resampleChannels(red, 5, 7, PIL_FILTERS.LANCZOS, 1), fromRgb);
});

test('refuses unknown filters, bad sizes and mis-sized buffers with a reason', () => {
  const img: RgbImage = { width: 2, height: 2, data: new Uint8Array(12) };
  assert.throws(() => resamplePil(img, 2, 2, 6), /unknown PIL resampling filter 6/);
  assert.throws(() => resamplePil(img, 0, 2, 2), /target size/);
  assert.throws(() => resamplePil(img, 1.5, 2, 2), /target size/);
  assert.throws(() => resamplePil({ ...img, data: new Uint8Array(11) }, 1, 1, 2), /11 bytes, expected 2x2x3/);
  assert.throws(() => resampleChannels(img, 1, 1, 2, 4 as 3), /only 1 or 3 channels/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TEMPLATES } from '../scenes/questions';
import type { RgbImage } from '../scenes/renderScene';
import { COLOUR_NAMES, SHAPE_NAMES } from '../scenes/vocabulary';
import {
  BACKGROUND_NAMES, CANVASES, IndependentPicture, drawIndependentPicture, independentPictures, pictureSvg,
  renderIndependentPicture, rgbToLab,
} from './independentPictures';

/** The independent set's pictures are what they claim: sizes, backgrounds, separate objects and true answers, read from their pixels. */

const SEED = 424242;
const PICTURES = independentPictures(SEED, 96);

const at = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

/** The pixels a picture drawn with only `object` k differs from its background at (anti-aliased edges included). */
async function objectPixels(p: IndependentPicture, k: number) {
  const img = await renderIndependentPicture(p, [p.objects[k]]);
  const box = { x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity, count: 0 };
  const mask = new Uint8Array(p.width * p.height);
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      if (!at(img, x, y).some((v, c) => Math.abs(v - p.background.rgb[c]) > 8)) continue;
      mask[y * p.width + x] = 1;
      box.count++;
      [box.x0, box.x1, box.y0, box.y1] = [Math.min(box.x0, x), Math.max(box.x1, x), Math.min(box.y0, y), Math.max(box.y1, y)];
    }
  }
  return { mask, ...box };
}

test('96 consecutive pictures cross every background, canvas, relation and answer once', () => {
  const cells = new Set(PICTURES.map((p) => `${p.background.name}|${p.width}x${p.height}|${p.relation}|${p.answer}`));
  assert.equal(cells.size, 96);
  assert.equal(cells.size, BACKGROUND_NAMES.length * CANVASES.length * 2 * 2);
});

test('pictures are deterministic per seed and differ between seeds', () => {
  assert.deepEqual(drawIndependentPicture(SEED, 17), PICTURES[17]);
  assert.equal(pictureSvg(drawIndependentPicture(SEED, 17)), pictureSvg(PICTURES[17]));
  assert.notDeepEqual(drawIndependentPicture(SEED + 1, 17).objects, PICTURES[17].objects);
});

test('questions are the model\'s templates over its vocabulary words, with distinct object names', () => {
  for (const p of PICTURES) {
    const [a, b] = p.objects;
    assert.ok(COLOUR_NAMES.includes(a.colour) && COLOUR_NAMES.includes(b.colour) && SHAPE_NAMES.includes(a.shape) && SHAPE_NAMES.includes(b.shape));
    assert.notEqual(`${a.colour} ${a.shape}`, `${b.colour} ${b.shape}`);
    const template = p.relation === 'leftRight' ? TEMPLATES.leftRight : TEMPLATES.aboveBelow;
    assert.equal(p.question, template(`${a.colour} ${a.shape}`, `${b.colour} ${b.shape}`));
  }
});

test('lightness bands follow the background: white, light grey and beige light; mid grey mid; dark blue and dark grey dark', () => {
  const expected = { white: 'light', 'light grey': 'light', beige: 'light', 'mid grey': 'mid', 'dark blue': 'dark', 'dark grey': 'dark' };
  for (const p of PICTURES) assert.equal(p.background.band, expected[p.background.name], `${p.background.name} rgb(${p.background.rgb}) L* ${p.background.lightness}`);
});

test('every object stands out from its background (CIE76 distance >= 30)', () => {
  for (const p of PICTURES) {
    for (const o of p.objects) {
      const [q, r] = [rgbToLab(o.fill), rgbToLab(p.background.rgb)];
      assert.ok(Math.hypot(q[0] - r[0], q[1] - r[1], q[2] - r[2]) >= 30, `${o.colour} rgb(${o.fill}) on ${p.background.name}`);
    }
  }
});

test('rendered pictures have their canvas size and background, and the objects are where the picture says', async () => {
  for (const p of PICTURES) {
    const img = await renderIndependentPicture(p);
    assert.deepEqual([img.width, img.height, img.data.length], [p.width, p.height, p.width * p.height * 3]);
    // objects keep a pixel from the border, so the four corners show the background
    for (const [x, y] of [[0, 0], [p.width - 1, 0], [0, p.height - 1], [p.width - 1, p.height - 1]]) {
      at(img, x, y).forEach((v, c) => assert.ok(Math.abs(v - p.background.rgb[c]) <= 1, `picture ${p.index} corner (${x},${y})`));
    }
    const [a, b] = [await objectPixels(p, 0), await objectPixels(p, 1)];
    for (const [k, o] of [a, b].entries()) {
      const d = p.objects[k];
      assert.ok(o.count > 10, `picture ${p.index} object ${k} is visible (${o.count} px)`);
      // drawn within its box (one pixel of anti-aliasing)
      assert.ok(o.x0 >= Math.floor(d.x - d.half) - 1 && o.x1 <= Math.ceil(d.x + d.half) && o.y0 >= Math.floor(d.y - d.half) - 1 && o.y1 <= Math.ceil(d.y + d.half), `picture ${p.index} object ${k} box`);
    }
    assert.ok(!a.mask.some((v, i) => v && b.mask[i]), `picture ${p.index}: the objects share a pixel`);
    // the true relation in pixel coordinates: the first object's pixels all lie before (or after) the second's, with a clear gap
    const [lo, hi] = p.relation === 'leftRight' ? [[a.x0, a.x1], [b.x0, b.x1]] : [[a.y0, a.y1], [b.y0, b.y1]];
    const gap = p.answer === 'left' || p.answer === 'above' ? hi[0] - lo[1] : lo[0] - hi[1];
    assert.ok(gap >= 3, `picture ${p.index} (${p.question} ${p.answer}): pixel gap ${gap}`);
  }
});

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { deltaE, hexToRgb, labToLch, rgbToLab } from './colourSpace';
import { mirrorScene, recolourScene } from './generators';
import { SeededRandom } from './random';
import { renderScene } from './renderScene';
import { validateScene } from './scene';
import sharp from 'sharp';
import { backgroundColoursAround } from './widenedBackgrounds';
import { CANVAS_SIDES, MAX_ASPECT, MIN_CONTRAST, MIN_INPUT_EXTENT, objectContrast, randomWidenedClip, randomWidenedScene, sceneInFrame } from './widenedScenes';
import { CANVAS_SIZE } from './vocabulary';

const draw = (seed: number, layout: 'grid' | 'continuous' = seed % 2 ? 'grid' : 'continuous') =>
  randomWidenedScene(SeededRandom.derive(seed, 0), { numObjects: 1 + (seed % 4), layout });
const MANY = 600;
const scenes = Array.from({ length: MANY }, (_, s) => draw(s));

test('widened scenes are deterministic from the seed, valid, and their clips too', () => {
  assert.deepEqual(draw(11), draw(11));
  assert.notDeepEqual(draw(11), draw(12));
  scenes.forEach(validateScene);
  const clip = (seed: number) => randomWidenedClip(new SeededRandom(seed), { numObjects: 3, layout: 'grid' });
  assert.deepEqual(clip(4), clip(4));
  assert.equal(new Set(clip(4).appearFrame).size, 3);
});

test('canvases span 64 to 400 px, square and not, at most 2:1', () => {
  const sides = scenes.flatMap((s) => [s.width, s.height]);
  assert.ok(Math.min(...sides) >= CANVAS_SIDES[0] && Math.max(...sides) <= CANVAS_SIDES[1]);
  assert.ok(Math.min(...sides) < 80 && Math.max(...sides) > 380, `sides ${Math.min(...sides)}-${Math.max(...sides)}`);
  const aspects = scenes.map((s) => Math.max(s.width, s.height) / Math.min(s.width, s.height));
  assert.ok(Math.max(...aspects) <= MAX_ASPECT + 0.02);
  const square = aspects.filter((a) => a === 1).length;
  assert.ok(square > MANY * 0.35 && square < MANY * 0.65, `${square} square of ${MANY}`);
  assert.ok(scenes.some((s) => s.width > s.height * 1.5) && scenes.some((s) => s.height > s.width * 1.5), 'both orientations');
});

test('backgrounds: plain, gradient and noise, of any lightness and a range of hues', () => {
  const kinds = new Map<string, number>();
  for (const s of scenes) kinds.set(s.background.kind, (kinds.get(s.background.kind) ?? 0) + 1);
  for (const kind of ['plain', 'gradient', 'noise']) assert.ok((kinds.get(kind) ?? 0) > MANY * 0.15, `${kind}: ${kinds.get(kind)}`);
  const colours = scenes.map((s) => (s.background.kind === 'plain' ? s.background.colour : s.background.kind === 'gradient' ? s.background.from : s.background.base!));
  const lch = colours.map((c) => labToLch(rgbToLab(hexToRgb(c))));
  const band = (lo: number, hi: number) => lch.filter(([L]) => L >= lo && L < hi).length;
  for (const [lo, hi] of [[0, 25], [25, 50], [50, 75], [75, 101]]) assert.ok(band(lo, hi) > MANY * 0.1, `L* ${lo}-${hi}: ${band(lo, hi)}`);
  assert.ok(lch.filter(([L, C]) => L > 96 && C < 3).length > MANY * 0.1, 'white canvases');
  const tinted = lch.filter(([, C]) => C > 10);
  const sextants = new Set(tinted.map(([, , h]) => Math.floor(h / 60)));
  assert.equal(sextants.size, 6, 'tinted backgrounds of every hue sextant');
  const noise = scenes.flatMap((s) => (s.background.kind === 'noise' ? [s.background] : []));
  assert.ok(noise.some((n) => n.texture) && noise.some((n) => !n.texture));
  assert.ok(noise.some((n) => n.level > 200) && noise.some((n) => n.level < 50), 'noise at any level');
});

test('object sizes are continuous and stay visible once squeezed to the model input', () => {
  const sizes = new Set(scenes.flatMap((s) => s.objects.map((o) => o.size)));
  assert.ok(sizes.size > MANY, `${sizes.size} distinct sizes`);
  for (const s of scenes) {
    const frame = sceneInFrame(s, CANVAS_SIZE, CANVAS_SIZE);
    validateScene(frame);
    for (const o of frame.objects) assert.ok(o.size >= MIN_INPUT_EXTENT - 0.01, `an object of ${o.size} px in the model input (canvas ${s.width}x${s.height})`);
  }
});

test('every object stands out from the background around it (CIE76 >= MIN_CONTRAST) over many draws', () => {
  let checked = 0;
  for (const s of scenes) {
    for (const o of s.objects) {
      assert.ok(o.fill, 'widened objects carry their shade');
      assert.ok(objectContrast(s.background, o, s.width, s.height) >= MIN_CONTRAST);
      checked++;
    }
  }
  assert.ok(checked > MANY * 2);
});

test('rendered pixels: each object in its shade, its box corners in a background colour it stands out from', async () => {
  const centre = (img: { width: number; data: Uint8Array }, x: number, y: number) => {
    const at = (Math.floor(y) * img.width + Math.floor(x)) * 3;
    return [img.data[at], img.data[at + 1], img.data[at + 2]] as [number, number, number];
  };
  for (const s of scenes.slice(0, 60).filter((sc) => sc.background.kind !== 'noise')) {
    const img = await renderScene(s);
    for (const o of s.objects.filter((ob) => ob.shape !== 'ring')) {
      const px = centre(img, o.x, o.y);
      assert.ok(deltaE(px, hexToRgb(o.fill!)) < 3, `${o.colour} ${o.shape} painted ${px} for ${o.fill}`);
      const h = o.size / 2;
      const corner = centre(img, Math.max(0, o.x - h), Math.max(0, o.y - h));
      const expected = backgroundColoursAround(s.background, { x0: o.x - h, y0: o.y - h, x1: o.x + h, y1: o.y + h }, s.width, s.height);
      assert.ok(Math.min(...expected.map((b) => deltaE(b, corner))) < 6, `corner ${corner} is not the background ${JSON.stringify(expected)}`);
      assert.ok(deltaE(px, corner) >= MIN_CONTRAST - 3, `${o.colour} ${o.shape} vs corner: ${deltaE(px, corner).toFixed(1)}`);
    }
  }
});

test('a gradient background mirrors with its scene (the twin renders as the flipped picture), and recolouring drops the old shade', async () => {
  const s = scenes.find((sc) => sc.background.kind === 'gradient')!;
  const img = await renderScene(s);
  const flopped = await sharp(Buffer.from(img.data), { raw: { width: s.width, height: s.height, channels: 3 } }).flop().raw().toBuffer();
  const twin = await renderScene(mirrorScene(s));
  let differing = 0;
  for (let i = 0; i < flopped.length; i++) if (Math.abs(flopped[i] - twin.data[i]) > 8) differing++;
  assert.ok(differing / flopped.length < 0.01, `${differing} of ${flopped.length} bytes differ`);

  const other = s.objects[0].colour === 'red' ? 'green' : 'red';
  const r = recolourScene({ ...s, objects: [s.objects[0]] }, 0, other);
  assert.equal(r.objects[0].fill, undefined);
  assert.equal(r.objects[0].colour, other);
});

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { renderClip, renderScene } from './renderScene';
import { mirrorScene, randomScene } from './generators';
import { SeededRandom } from './random';
import { Scene } from './scene';
import { COLOURS } from './vocabulary';

const hex = (h: string) => [1, 3, 5].map((k) => parseInt(h.slice(k, k + 2), 16));
const pixel = (img: { width: number; data: Uint8Array }, x: number, y: number) => Array.from(img.data.slice((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

const oneCircle: Scene = {
  width: 96, height: 96, background: { kind: 'plain', colour: '#282828' },
  objects: [{ colour: 'red', shape: 'circle', x: 36, y: 60, size: 14 }],
};

test('an object is drawn in its colour at its centre, background elsewhere', async () => {
  const img = await renderScene(oneCircle);
  assert.equal(img.data.length, 96 * 96 * 3);
  assert.deepEqual(pixel(img, 36, 60), hex(COLOURS.red));
  assert.deepEqual(pixel(img, 80, 10), hex('#282828'));
});

test('rendering is deterministic, noise backgrounds included', async () => {
  const scene = randomScene(new SeededRandom(9), { numObjects: 3, layout: 'continuous', noisyBackground: 1 });
  assert.equal(scene.background.kind, 'noise');
  const [a, b] = await Promise.all([renderScene(scene), renderScene(scene)]);
  assert.deepEqual(a.data, b.data);
});

test('the mirrored twin renders as the horizontal flip of the scene', async () => {
  // Every shape is symmetric about its vertical axis, so the twin equals a pixel flip
  // (noise background included) up to anti-aliasing at sub-pixel edges.
  const scene = randomScene(new SeededRandom(4), { numObjects: 3, layout: 'grid', noisyBackground: 1 });
  const img = await renderScene(scene);
  const flopped = await sharp(Buffer.from(img.data), { raw: { width: 96, height: 96, channels: 3 } }).flop().raw().toBuffer();
  const twin = await renderScene(mirrorScene(scene));
  let differing = 0;
  for (let i = 0; i < flopped.length; i++) if (Math.abs(flopped[i] - twin.data[i]) > 40) differing++;
  assert.ok(differing / flopped.length < 0.01, `${differing} of ${flopped.length} bytes differ`);
});

test('clip frames show each object from its appearance frame on', async () => {
  const scene: Scene = { ...oneCircle, objects: [...oneCircle.objects, { colour: 'blue', shape: 'square', x: 72, y: 24, size: 14 }] };
  const frames = await renderClip({ scene, numFrames: 8, appearFrame: [2, 5] });
  assert.equal(frames.length, 8);
  frames.forEach((f, k) => {
    assert.deepEqual(pixel(f, 36, 60), k >= 2 ? hex(COLOURS.red) : hex('#282828'), `red circle at frame ${k}`);
    assert.deepEqual(pixel(f, 72, 24), k >= 5 ? hex(COLOURS.blue) : hex('#282828'), `blue square at frame ${k}`);
  });
});

test('rendering an invalid scene is a clear error', async () => {
  await assert.rejects(renderScene({ ...oneCircle, objects: [{ ...oneCircle.objects[0], x: 200 }] }), /outside the 96x96 canvas/);
});

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { randomScene } from '../scenes/generators';
import { SeededRandom } from '../scenes/random';
import { RgbImage, renderScene } from '../scenes/renderScene';
import { loadImageFile } from './imageFile';
import { MediaError } from './mediaError';
import { PALETTE, codecArgs, encodeVideo, makeTempDir, meanColour, removeTempDir, solidFrame } from '../../test/support/mediaFixtures';

const dir = makeTempDir();
after(() => removeTempDir(dir));

const rawInput = (img: RgbImage) => sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } });

const isMediaError = (code: string, ...parts: RegExp[]) => (e: unknown) => {
  assert.ok(e instanceof MediaError, `expected a MediaError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  for (const p of parts) assert.match(e.message, p);
  return true;
};

/** A 24-bit bottom-up BMP (rows padded to 4 bytes, BGR), which sharp's prebuilt libvips cannot read. */
function bmpBytes(img: RgbImage): Buffer {
  const rowBytes = Math.ceil((img.width * 3) / 4) * 4;
  const out = Buffer.alloc(54 + rowBytes * img.height);
  out.write('BM', 0);
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(img.width, 18);
  out.writeInt32LE(img.height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const s = (y * img.width + x) * 3;
      const d = 54 + (img.height - 1 - y) * rowBytes + x * 3;
      [out[d], out[d + 1], out[d + 2]] = [img.data[s + 2], img.data[s + 1], img.data[s]];
    }
  }
  return out;
}

test('a rendered scene round-trips exactly through PNG and BMP', async () => {
  const scene = await renderScene(randomScene(new SeededRandom(3), { numObjects: 4, layout: 'continuous' }));
  const png = path.join(dir, 'scene.png');
  fs.writeFileSync(png, await rawInput(scene).png().toBuffer());
  const bmp = path.join(dir, 'scene.BMP');
  fs.writeFileSync(bmp, bmpBytes(scene));
  for (const file of [png, bmp]) {
    const img = await loadImageFile(file);
    assert.deepEqual([img.width, img.height], [scene.width, scene.height], file);
    assert.ok(Buffer.from(img.data).equals(Buffer.from(scene.data)), `${file} pixels differ`);
  }
});

test('JPEG and WebP decode to RGB of the right size and colour', async () => {
  const frame = solidFrame(PALETTE[9], 40, 24);
  for (const ext of ['jpg', 'jpeg', 'webp'] as const) {
    const file = path.join(dir, `orange.${ext}`);
    fs.writeFileSync(file, await rawInput(frame).toFormat(ext === 'webp' ? 'webp' : 'jpeg', { quality: 95 }).toBuffer());
    const img = await loadImageFile(file);
    assert.deepEqual([img.width, img.height, img.data.length], [40, 24, 40 * 24 * 3], ext);
    meanColour(img).forEach((c, k) => assert.ok(Math.abs(c - PALETTE[9][k]) < 6, `${ext} channel ${k}: ${c}`));
  }
});

test('alpha is dropped keeping the stored RGB, as PIL convert("RGB") does', async () => {
  const rgba = Buffer.from([200, 10, 10, 0, 10, 200, 10, 128, 10, 10, 200, 255, 255, 255, 255, 0]);
  const file = path.join(dir, 'alpha.png');
  fs.writeFileSync(file, await sharp(rgba, { raw: { width: 2, height: 2, channels: 4 } }).png().toBuffer());
  const img = await loadImageFile(file);
  assert.deepEqual(Array.from(img.data), [200, 10, 10, 10, 200, 10, 10, 10, 200, 255, 255, 255]);
});

test('EXIF orientation is applied, as transformers load_image does', async () => {
  const file = path.join(dir, 'phone.jpg');
  // Orientation 6: the stored 40x20 picture displays rotated a quarter turn, as 20x40.
  fs.writeFileSync(file, await rawInput(solidFrame(PALETTE[2], 40, 20)).jpeg().withMetadata({ orientation: 6 }).toBuffer());
  const img = await loadImageFile(file);
  assert.deepEqual([img.width, img.height], [20, 40]);
});

test('an animated GIF loads as its first frame', async (t) => {
  const codec = codecArgs('gif');
  if (!codec) return t.skip('this ffmpeg has no gif encoder');
  const file = path.join(dir, 'anim.gif');
  encodeVideo([solidFrame(PALETTE[0], 32, 32), solidFrame(PALETTE[2], 32, 32), solidFrame(PALETTE[1], 32, 32)], file, codec);
  const img = await loadImageFile(file);
  assert.deepEqual([img.width, img.height], [32, 32]);
  meanColour(img).forEach((c, k) => assert.ok(Math.abs(c - PALETTE[0][k]) < 4, `channel ${k}: ${c}`));
});

test('missing, empty, truncated and foreign files give MediaErrors naming the file and a fix', async () => {
  await assert.rejects(loadImageFile(path.join(dir, 'absent.png')), isMediaError('fileNotFound', /absent\.png/, /does not exist/));
  await assert.rejects(loadImageFile(dir), isMediaError('notAFile', /is a folder/));
  const empty = path.join(dir, 'empty.png');
  fs.writeFileSync(empty, '');
  await assert.rejects(loadImageFile(empty), isMediaError('emptyFile', /empty\.png/, /0 bytes/));

  const png = await rawInput(solidFrame(PALETTE[4], 96, 96)).png({ compressionLevel: 0 }).toBuffer();
  const half = path.join(dir, 'half.png');
  fs.writeFileSync(half, png.subarray(0, png.length >> 1));
  await assert.rejects(loadImageFile(half), isMediaError('unreadableImage', /half\.png/, /cut short or corrupt/, /re-save it as PNG or JPEG/));
  const jpg = await rawInput(solidFrame(PALETTE[4], 96, 96)).jpeg().toBuffer();
  const cutJpg = path.join(dir, 'cut.jpg');
  fs.writeFileSync(cutJpg, jpg.subarray(0, jpg.length >> 1));
  await assert.rejects(loadImageFile(cutJpg), isMediaError('unreadableImage', /cut\.jpg/, /cut short/));

  const junk = path.join(dir, 'junk.jpg');
  fs.writeFileSync(junk, Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 256)));
  await assert.rejects(loadImageFile(junk), isMediaError('unreadableImage', /junk\.jpg/, /not in a supported image format/));

  const bmp = bmpBytes(solidFrame(PALETTE[1], 8, 8));
  const cutBmp = path.join(dir, 'cut.bmp');
  fs.writeFileSync(cutBmp, bmp.subarray(0, 100));
  await assert.rejects(loadImageFile(cutBmp), isMediaError('unreadableImage', /cut\.bmp is not a readable BMP/, /pixel data is cut short/, /PNG or JPEG/));
});

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { uniformIndices } from '../media/frameSampling';
import { codecArgs, encodeVideo, makeTempDir, nearestPaletteIndex, removeTempDir, solidFrames } from '../../test/support/mediaFixtures';
import { BUNDLED_MODEL } from '../../test/support/sceneFixture';
import { ModelRunner } from './modelRunner';
import { videoFramePreviews } from './videoFramePreviews';

/**
 * The frames a video run feeds the model are the frames the panel's strip shows: the previews
 * name the same frames (index, time) as the forward pass over the same file, in the model's
 * order, and their PNGs hold exactly the pixels the model was fed. A 13-frame clip: the model
 * reads 8, so frames are skipped unevenly (the case where two samplers once disagreed).
 */

const present = fs.existsSync(path.join(BUNDLED_MODEL, 'onnx/decoder_model_merged.onnx'));
const lossless = codecArgs('mkv');
const skip = !present ? 'no bundled model' : !lossless ? 'this ffmpeg has no lossless (ffv1) encoder' : false;
const FPS = 10;
const FRAMES = 13;
const QUESTION = 'Does the red circle appear before or after the blue square?';

const dir = makeTempDir();
let runner: ModelRunner;
let clip: string;

before(async () => {
  if (skip) return;
  clip = path.join(dir, 'palette.mkv');
  encodeVideo(solidFrames(FRAMES), clip, lossless!, FPS);
  runner = await ModelRunner.load(BUNDLED_MODEL, { cacheDir: path.join(dir, 'cache') });
});

after(async () => {
  await runner?.dispose();
  removeTempDir(dir);
});

async function pngPixels(url: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  const m = /^data:image\/png;base64,(.+)$/.exec(url);
  assert.ok(m, 'a PNG data URL');
  const { data, info } = await sharp(Buffer.from(m[1], 'base64')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

test('the previews are the model\'s frames: uniform indices, their times, their exact pixels', { skip }, async () => {
  const count = runner.info().numFrames!;
  const size = runner.info().imageSize;
  const want = uniformIndices(FRAMES, count);
  const previews = await videoFramePreviews(runner, clip);
  assert.deepEqual(previews.map((f) => f.index), want);
  previews.forEach((f) => assert.ok(f.seconds !== null && Math.abs(f.seconds - f.index / FPS) < 1e-9, `frame ${f.index} at ${f.seconds} s`));
  const fed = await runner.decodeMedia({ video: clip });
  assert.ok('frames' in fed);
  for (let i = 0; i < count; i++) {
    const png = await pngPixels(previews[i].image);
    assert.deepEqual([png.width, png.height], [size!.width, size!.height], 'at the encoder size');
    assert.deepEqual(png.data, fed.frames[i].data, `preview ${i} is the frame the model is fed`);
    assert.equal(nearestPaletteIndex({ ...png, data: png.data }, FRAMES), want[i], `preview ${i} shows clip frame ${want[i]}`);
  }
});

test('a forward pass over the clip names the same frames as the previews', { skip }, async () => {
  const out = await runner.forward({ media: { video: clip }, question: QUESTION });
  const previews = await videoFramePreviews(runner, clip);
  assert.deepEqual(out.frames, previews.map(({ index, seconds }) => ({ index, seconds })));
});

test('an image run names no frames', { skip }, async () => {
  const png = path.join(dir, 'still.png');
  const [frame] = solidFrames(1);
  await sharp(Buffer.from(frame.data), { raw: { width: frame.width, height: frame.height, channels: 3 } }).png().toFile(png);
  const out = await runner.forward({ media: { image: png }, question: 'Is the red circle to the left or right of the blue square?' });
  assert.equal(out.frames, undefined);
});

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { randomClip } from '../scenes/generators';
import { SeededRandom } from '../scenes/random';
import { renderClip } from '../scenes/renderScene';
import { MediaError } from './mediaError';
import {
  FixtureFormat, PALETTE, childFfmpegPids, codecArgs, encodeVideo, ffmpeg, makeTempDir, nearestPaletteIndex, removeTempDir, solidFrames,
} from '../../test/support/mediaFixtures';
import { MAX_NATIVE_FRAME_PIXELS, fitWithin } from './mediaLimits';
import { loadVideoFrames } from './videoFile';

const dir = makeTempDir();
after(() => removeTempDir(dir));

/** A video of n solid PALETTE frames at 10 fps, or null when this ffmpeg has no encoder for it. */
function solidVideo(format: FixtureFormat, n: number, name = `solid${n}`, width = 96, height = 96): string | null {
  const codec = codecArgs(format);
  if (!codec) return null;
  const file = path.join(dir, `${name}.${format}`);
  if (!fs.existsSync(file)) encodeVideo(solidFrames(n, width, height), file, codec);
  return file;
}

const isMediaError = (code: string, ...parts: RegExp[]) => (e: unknown) => {
  assert.ok(e instanceof MediaError, `expected a MediaError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  for (const p of parts) assert.match(e.message, p);
  return true;
};

const centre = (img: { width: number; height: number; data: Uint8Array }) => {
  const o = (Math.floor(img.height / 2) * img.width + Math.floor(img.width / 2)) * 3;
  return Array.from(img.data.subarray(o, o + 3));
};

for (const format of ['mp4', 'webm', 'mov', 'mkv', 'gif'] as const) {
  test(`${format}: 12 frames, 5 sampled uniformly (0 3 6 8 11), right size and colours`, async (t) => {
    const file = solidVideo(format, 12);
    if (!file) return t.skip(`this ffmpeg has no encoder for ${format}`);
    const video = await loadVideoFrames(file, 5);
    assert.equal(video.sourceFrameCount, 12);
    assert.equal(video.frames.length, 5);
    for (const f of video.frames) assert.deepEqual([f.width, f.height, f.data.length], [96, 96, 96 * 96 * 3]);
    // linspace(0, 11, 5) = 0 2.75 5.5 8.25 11, rounded half-to-even.
    assert.deepEqual(video.frames.map((f) => nearestPaletteIndex(f, 12)), [0, 3, 6, 8, 11]);
    assert.deepEqual(video.times.map((f) => f.index), [0, 3, 6, 8, 11], 'each frame names its index in the clip');
    // 10 fps: frame k is at k / 10 s (GIF stores centiseconds per frame, so its rate may read otherwise)
    for (const f of video.times) if (f.seconds !== null && format !== 'gif') assert.ok(Math.abs(f.seconds - f.index / 10) < 1e-9, `${format} frame ${f.index} at ${f.seconds} s`);
    video.frames.forEach((f, i) => {
      const want = PALETTE[[0, 3, 6, 8, 11][i]];
      centre(f).forEach((c, k) => assert.ok(Math.abs(c - want[k]) <= 12, `${format} frame ${i} channel ${k}: ${c} vs ${want[k]}`));
    });
    if (video.durationSeconds !== null) assert.ok(Math.abs(video.durationSeconds - 1.2) < 0.15, `duration ${video.durationSeconds}`);
    else assert.equal(format, 'gif', 'only GIF may lack a duration');
  });
}

test('a clip shorter than the request repeats frames by the uniform rule', async (t) => {
  const file = solidVideo('mp4', 3);
  if (!file) return t.skip('no mp4 encoder');
  const video = await loadVideoFrames(file, 5);
  assert.equal(video.sourceFrameCount, 3);
  // linspace(0, 2, 5) = 0 0.5 1 1.5 2 -> 0 0 1 2 2
  assert.deepEqual(video.frames.map((f) => nearestPaletteIndex(f, 3)), [0, 0, 1, 2, 2]);
  assert.equal(video.frames[0], video.frames[1], 'a repeated frame is the same decoded frame');
});

test('opts.size scales every frame; count 1 gives the first frame', async (t) => {
  const file = solidVideo('webm', 8);
  if (!file) return t.skip('no webm encoder');
  const video = await loadVideoFrames(file, 4, { size: { width: 48, height: 32 } });
  for (const f of video.frames) assert.deepEqual([f.width, f.height, f.data.length], [48, 32, 48 * 32 * 3]);
  assert.deepEqual(video.frames.map((f) => nearestPaletteIndex(f, 8)), [0, 2, 5, 7]);
  const one = await loadVideoFrames(file, 1);
  assert.deepEqual([one.frames.length, nearestPaletteIndex(one.frames[0], 8)], [1, 0]);
});

test('scene-engine frames survive a lossless round trip exactly', async (t) => {
  const codec = codecArgs('mkv');
  if (!codec) return t.skip('no ffv1 encoder');
  const clip = randomClip(new SeededRandom(5), { numObjects: 3, layout: 'grid', numFrames: 8 });
  const frames = await renderClip(clip);
  const file = path.join(dir, 'scene.mkv');
  encodeVideo(frames, file, codec);
  const video = await loadVideoFrames(file, 8);
  assert.equal(video.sourceFrameCount, 8);
  video.frames.forEach((f, i) => {
    assert.deepEqual([f.width, f.height], [frames[i].width, frames[i].height]);
    assert.ok(Buffer.from(f.data).equals(Buffer.from(frames[i].data)), `frame ${i} differs`);
  });
  assert.ok(!Buffer.from(video.frames[0].data).equals(Buffer.from(video.frames[7].data)), 'objects appear over the clip');
});

test('rotation metadata: frames come out upright at the displayed size', async (t) => {
  const source = solidVideo('mp4', 4, 'wide', 64, 32);
  if (!source) return t.skip('no mp4 encoder');
  const rotated = path.join(dir, 'rotated.mp4');
  ffmpeg(['-i', source, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
  const video = await loadVideoFrames(rotated, 2);
  for (const f of video.frames) assert.deepEqual([f.width, f.height, f.data.length], [32, 64, 32 * 64 * 3]);
  assert.deepEqual(video.frames.map((f) => nearestPaletteIndex(f, 4)), [0, 3]);
});

test('a long video is thinned to the memory budget, still spanning the whole clip', async (t) => {
  const frameBytes = 96 * 96 * 3;
  let ran = 0;
  for (const format of ['mp4', 'gif'] as const) {
    // mp4 has a duration, so ffmpeg's fps filter thins it (each pick within half a thinned
    // period, so frame 0 or 1 first); GIF here has none, so the collector thins it, exactly.
    const file = solidVideo(format, 16);
    if (!file) continue;
    ran++;
    const video = await loadVideoFrames(file, 3, { maxBytes: 8 * frameBytes });
    assert.equal(video.frames.length, 3);
    assert.ok(Math.abs(video.sourceFrameCount - 16) <= 1, `${format}: ${video.sourceFrameCount} frames`);
    const picked = video.frames.map((f) => nearestPaletteIndex(f, 16));
    // the index each frame names is the frame it shows (to a frame: the thinned stream's rate is estimated)
    video.times.forEach((f, i) => assert.ok(Math.abs(f.index - picked[i]) <= 1, `${format} frame ${i}: index ${f.index}, shows ${picked[i]}`));
    if (format === 'gif') assert.deepEqual(picked, [0, 8, 15], 'linspace(0, 15, 3) = 0 7.5 15; 7.5 -> 8');
    assert.ok(picked[0] <= 1, `${format} start: ${picked}`);
    assert.ok(picked[1] >= 6 && picked[1] <= 9, `${format} middle: ${picked}`);
    assert.ok(picked[2] >= 14, `${format} end: ${picked}`);
  }
  if (ran === 0) t.skip('no mp4 or gif encoder');
});

test('missing, empty and non-video files give MediaErrors that name the file', async () => {
  const missing = path.join(dir, 'nope.mp4');
  await assert.rejects(loadVideoFrames(missing, 4), isMediaError('fileNotFound', /nope\.mp4/, /does not exist/));
  const empty = path.join(dir, 'empty.mp4');
  fs.writeFileSync(empty, '');
  await assert.rejects(loadVideoFrames(empty, 4), isMediaError('emptyFile', /empty\.mp4/, /0 bytes/));
  const junk = path.join(dir, 'junk.mp4');
  fs.writeFileSync(junk, Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919 + 13) % 256)));
  await assert.rejects(loadVideoFrames(junk, 4), isMediaError('unreadableVideo', /junk\.mp4/, /ffmpeg says "[^"]*(Invalid data|moov atom not found)/, /MP4/));
  await assert.rejects(loadVideoFrames(junk, 0), isMediaError('invalidRequest', /0 frames/));
});

test('a truncated mp4 and an audio-only file are reported, not decoded to nothing', async (t) => {
  const source = solidVideo('mp4', 12);
  if (!source) return t.skip('no mp4 encoder');
  const bytes = fs.readFileSync(source);
  const cut = path.join(dir, 'cut.mp4');
  fs.writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
  await assert.rejects(loadVideoFrames(cut, 4), isMediaError('unreadableVideo', /cut\.mp4/, /moov atom not found|Invalid data/));
  const audio = path.join(dir, 'audio.mkv');
  ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.3', '-c:a', 'pcm_s16le', audio]);
  await assert.rejects(loadVideoFrames(audio, 4), isMediaError('noFrames', /audio\.mkv/, /no video stream/));
});

test('a missing ffmpeg binary and a timeout are clear errors, and no ffmpeg child is left', async (t) => {
  const file = solidVideo('mp4', 12) ?? solidVideo('gif', 12);
  if (!file) return t.skip('no encoder');
  await assert.rejects(loadVideoFrames(file, 4, { ffmpegPath: path.join(dir, 'no-ffmpeg') }), isMediaError('ffmpegMissing', /no-ffmpeg/, /npm install/));
  await assert.rejects(loadVideoFrames(file, 4, { timeoutMs: 1 }), isMediaError('timeout', /longer than/, /solid12/));
  assert.deepEqual(childFfmpegPids(), [], 'the killed ffmpeg was reaped');
});

test('frames at their own size are scaled down to the native-frame cap, keeping the aspect ratio', async () => {
  const file = path.join(dir, 'wide.mkv');
  ffmpeg(['-f', 'lavfi', '-i', 'color=c=red:s=3000x1500:r=5', '-frames:v', '3', '-c:v', 'ffv1', file]);
  const { frames } = await loadVideoFrames(file, 2);
  const { width, height } = frames[0];
  assert.ok(width * height <= MAX_NATIVE_FRAME_PIXELS, `${width}x${height}`);
  assert.ok(Math.abs(width / height - 2) < 0.01, `${width}x${height} keeps 2:1`);
  assert.equal(frames[0].data.length, width * height * 3);
});

test('a request whose frames cannot fit the memory budget is refused before decoding', async () => {
  const file = solidVideo('mkv', 2, 'budget');
  if (!file) return;
  await assert.rejects(loadVideoFrames(file, 5000, { size: { width: 1024, height: 1024 } }), isMediaError('invalidRequest', /5000 frames of 1024x1024 .* need \d+ MB while sampling, more than the 512 MB allowed: ask for fewer frames/));
});

test('fitWithin keeps sizes that fit and shrinks the others to the pixel budget', () => {
  assert.deepEqual(fitWithin(640, 480, 1e6), { width: 640, height: 480 });
  const { width, height } = fitWithin(8000, 2000, 4e6);
  assert.ok(width * height <= 4e6 && width / height === 4, `${width}x${height}`);
});

import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProbe, relevantLine } from './ffmpegProcess';

const OLD_FFMPEG = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/tmp/a.mp4':
  Duration: 00:01:02.50, start: 0.000000, bitrate: 123 kb/s
    Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709), 1920x1080 [SAR 1:1 DAR 16:9], 109 kb/s, 29.97 fps, 29.97 tbr, 10240 tbn, 20 tbc (default)
    Metadata:
      rotate          : 270
      handler_name    : VideoHandler
    Stream #0:1(und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 128 kb/s (default)
At least one output file must be specified`;

test('parseProbe reads size, frame rate, duration and a quarter-turn rotation', () => {
  assert.deepEqual(parseProbe(OLD_FFMPEG), { width: 1920, height: 1080, displayWidth: 1080, displayHeight: 1920, fps: 29.97, durationSeconds: 62.5 });
});

test('parseProbe: newer displaymatrix rotation, cover art skipped, no duration, no video', () => {
  const newer = `Input #0, matroska,webm, from 'x.webm':
  Duration: N/A, start: 0.000000, bitrate: N/A
  Stream #0:0: Video: vp9 (Profile 0), yuv420p(tv), 640x360, SAR 1:1 DAR 16:9, 25 tbr, 1k tbn
      Side data:
        displaymatrix: rotation of -90.00 degrees`;
  assert.deepEqual(parseProbe(newer), { width: 640, height: 360, displayWidth: 360, displayHeight: 640, fps: 25, durationSeconds: null });
  const mp3 = `Input #0, mp3, from 'song.mp3':
  Duration: 00:03:00.00, start: 0.025057, bitrate: 128 kb/s
    Stream #0:0: Audio: mp3, 44100 Hz, stereo, fltp, 128 kb/s
    Stream #0:1: Video: mjpeg (Baseline), yuvj420p(pc), 500x500 [SAR 1:1 DAR 1:1], 90k tbr, 90k tbn (attached pic)`;
  assert.equal(parseProbe(mp3), null);
  assert.equal(parseProbe("file:/tmp/x.mp4: Invalid data found when processing input"), null);
});

test('relevantLine picks the error and drops address noise', () => {
  const stderr = "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x36609b00] moov atom not found\nfile:/tmp/t.mp4: Invalid data found when processing input\n";
  assert.equal(relevantLine(stderr), '[mov,mp4,m4a,3gp,3g2,mj2] moov atom not found');
  assert.equal(relevantLine('At least one output file must be specified\n'), 'no message');
  assert.equal(relevantLine('something odd happened\n'), 'something odd happened');
});

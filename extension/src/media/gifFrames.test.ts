import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { gifFrameCount } from './gifFrames';

/** A 1x1 GIF89a with a 2-colour global table and `frames` frames, each behind a graphic control extension. */
function gif(frames: number): Uint8Array {
  const header = [...Buffer.from('GIF89a'), 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255];
  const netscape = [0x21, 0xff, 11, ...Buffer.from('NETSCAPE2.0'), 3, 1, 0, 0, 0];
  const frame = [0x21, 0xf9, 4, 0, 10, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4c, 0x01, 0];
  return Uint8Array.from([...header, ...netscape, ...Array.from({ length: frames }, () => frame).flat(), 0x3b]);
}

test('counts the frames of a GIF through its extension blocks', () => {
  assert.equal(gifFrameCount(gif(1)), 1);
  assert.equal(gifFrameCount(gif(5)), 5);
  assert.equal(gifFrameCount(gif(5), 2), 2, 'stops once it has seen enough');
});

test('not a GIF, or cut short: what it could read', () => {
  assert.equal(gifFrameCount(Buffer.from('\x89PNG\r\n\x1a\n')), 0);
  assert.equal(gifFrameCount(gif(3).subarray(0, 60)), 1);
});

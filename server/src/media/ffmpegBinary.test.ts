import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { resolveFfmpegPath } from './ffmpegProcess';
import { MediaError } from './mediaError';

// The install decides install scripts per package (package.json allowScripts): whatever ran,
// the installed ffmpeg must be executable, and a copy that is not gets a message with the fix.

test('the installed @ffmpeg-installer binary is executable', () => {
  const bin = resolveFfmpegPath();
  assert.doesNotThrow(() => fs.accessSync(bin, fs.constants.X_OK), `${bin} is not executable`);
});

test('a binary without its execute bit is refused with the chmod that mends it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffmpeg-mode-'));
  try {
    const copy = path.join(dir, 'ffmpeg');
    fs.writeFileSync(copy, '#!/bin/sh\n', { mode: 0o644 });
    assert.throws(
      () => resolveFfmpegPath(copy),
      (e: unknown) => e instanceof MediaError && e.code === 'ffmpegMissing' && e.message.includes(`chmod u+x ${copy}`),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

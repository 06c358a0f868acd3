import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { MediaError } from './mediaError';
import { mediaKindOf } from './mediaKind';

test('extensions map to image or video, case-insensitively', () => {
  for (const f of ['a.png', 'b.JPG', 'c.jpeg', 'd.webp', '/x/y/e.bmp', 'f.gif']) assert.equal(mediaKindOf(f), 'image', f);
  for (const f of ['a.mp4', 'b.WebM', 'c.mov', 'dir.v2/d.mkv']) assert.equal(mediaKindOf(f), 'video', f);
});

test('GIF is an image unless the caller asks for video', () => {
  assert.equal(mediaKindOf('clip.gif', { gifAs: 'video' }), 'video');
  assert.equal(mediaKindOf('clip.gif', { gifAs: 'image' }), 'image');
  assert.equal(mediaKindOf('photo.png', { gifAs: 'video' }), 'image', 'the option only concerns GIF');
});

test('unknown or missing extensions name the file and list what is supported', () => {
  assert.throws(
    () => mediaKindOf('scan.tiff'),
    (e: unknown) => e instanceof MediaError && e.code === 'unsupportedFormat' && e.file === 'scan.tiff' && /\.tiff/.test(e.message) && /\.png .*\.bmp/.test(e.message) && /\.mp4 .*\.mkv/.test(e.message),
  );
  assert.throws(() => mediaKindOf('README'), (e: unknown) => e instanceof MediaError && /README has no file extension/.test(e.message));
  assert.throws(() => mediaKindOf('archive.png.zip'), (e: unknown) => e instanceof MediaError && /\.zip/.test(e.message));
});

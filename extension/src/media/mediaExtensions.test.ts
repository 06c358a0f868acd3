import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { inspectableGlob, inspectableKind } from './mediaExtensions';

test('images and videos are told apart by extension, case-insensitively', () => {
  assert.equal(inspectableKind('/a/b/scene.PNG'), 'image');
  assert.equal(inspectableKind('clip.webm'), 'video');
  assert.equal(inspectableKind('anim.gif'), 'image');
  assert.equal(inspectableKind('notes.txt'), undefined);
  assert.equal(inspectableKind('Makefile'), undefined);
});

test('the find-files glob lists the chosen kinds only', () => {
  assert.equal(inspectableGlob(['video']), '**/*.{mp4,webm,mov,mkv}');
  assert.match(inspectableGlob(), /png.*mkv/);
});

import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { restorableMedia, stepsKey, storedSteps } from './panelRestore';

test('a restored webview state names its media and panel id', () => {
  const state = { version: 1, init: { media: { kind: 'image', path: '/w/a.png', displayUri: 'x' }, panelId: 'ab12cd34-0000' }, question: 'q' };
  assert.deepEqual(restorableMedia(state), { kind: 'image', path: '/w/a.png', panelId: 'ab12cd34-0000' });
  assert.equal(restorableMedia({ init: { media: { kind: 'image', path: '/w/a.png' } } })?.panelId, null, 'a state saved before panel ids');
  assert.equal(restorableMedia({ init: { media: { kind: 'image', path: '/w/a.png' }, panelId: '../../x' } })?.panelId, null, 'an id is never a path');
});

test('states that are not a panel restore nothing', () => {
  for (const s of [undefined, null, 'x', [], {}, { init: {} }, { init: { media: { kind: 'audio', path: '/a' } } }, { init: { media: { kind: 'image', path: '' } } }]) {
    assert.equal(restorableMedia(s), null, JSON.stringify(s));
  }
});

test('stored steps are read back as steps only', () => {
  assert.equal(stepsKey('abc'), 'spatialIds.panelSteps.abc');
  assert.deepEqual(storedSteps(undefined), []);
  assert.deepEqual(storedSteps([{ method: 'forward', params: { question: 'q' }, result: { answer: 'left' } }, { method: 1 }, 'x']), [
    { method: 'forward', params: { question: 'q' }, result: { answer: 'left' } },
  ]);
});

import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { checkWebviewMessage } from './messageValidation';

test('accepts a well-formed request for an allowed method', () => {
  const r = checkWebviewMessage({ type: 'request', requestId: 3, body: { method: 'spatialIds/forward', params: { question: 'q' } } });
  assert.deepEqual(r, { ok: true, message: { type: 'request', requestId: 3, body: { method: 'spatialIds/forward', params: { question: 'q' } } } });
});

test('refuses methods outside WEBVIEW_METHODS, keeping the requestId for the error reply', () => {
  const r = checkWebviewMessage({ type: 'request', requestId: 4, body: { method: 'spatialIds/loadModel', params: { dir: '/etc' } } });
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.requestId, 4);
});

test('refuses bad request ids and bodies', () => {
  for (const raw of [
    { type: 'request', requestId: -1, body: { method: 'spatialIds/forward', params: {} } },
    { type: 'request', requestId: 1.5, body: { method: 'spatialIds/forward', params: {} } },
    { type: 'request', requestId: '1', body: { method: 'spatialIds/forward', params: {} } },
    { type: 'request', requestId: 1, body: { method: 'spatialIds/forward', params: [] } },
    null,
    'ready',
    { type: 'launchMissiles' },
  ]) {
    assert.equal(checkWebviewMessage(raw).ok, false, JSON.stringify(raw));
  }
});

test('exportFile names must be plain file names', () => {
  const ok = { type: 'exportFile', body: { suggestedName: 'probe.csv', mime: 'text/csv', data: 'a,b', encoding: 'utf8' } };
  assert.equal(checkWebviewMessage(ok).ok, true);
  for (const name of ['../x.csv', '/etc/passwd', 'a\\b.csv', '.bashrc', '']) {
    assert.equal(checkWebviewMessage({ ...ok, body: { ...ok.body, suggestedName: name } }).ok, false, name);
  }
});

test('simple messages carry no extra fields through', () => {
  assert.deepEqual(checkWebviewMessage({ type: 'retry', extra: 1 }), { ok: true, message: { type: 'retry' } });
});

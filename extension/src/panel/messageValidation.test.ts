import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { checkWebviewMessage } from './messageValidation';

const forward = { media: { image: '/ws/a.png' }, question: 'Is the red circle to the left or right of the blue square?' };

test('accepts a well-formed request for an allowed method', () => {
  const r = checkWebviewMessage({ type: 'request', requestId: 3, body: { method: 'spatialIds/forward', params: forward } });
  assert.deepEqual(r, { ok: true, message: { type: 'request', requestId: 3, body: { method: 'spatialIds/forward', params: forward } } });
});

test("request params are checked by the method's schema, the reason naming the field and the requestId kept", () => {
  const refused = (method: string, params: unknown) => checkWebviewMessage({ type: 'request', requestId: 7, body: { method, params } });
  const cases: Array<[string, unknown, RegExp]> = [
    ['spatialIds/forward', { question: 'q' }, /^spatialIds\/forward: media must be \{"image": file\} or \{"video": file\} \(got nothing\)$/],
    ['spatialIds/steer', { batch: 1e9 }, /batch must be a whole number from 1 to 2000 \(got 1000000000\)/],
    ['spatialIds/steer', { batch: 3, opposite: 'false' }, /opposite must be true or false/],
    ['spatialIds/sweepPatches', { batchSize: 3 }, /unknown key "batchSize": the known keys are model, media, question, objects, answers, batch, relation, seed/],
    ['spatialIds/probe', { ...forward, question: `<image> ${'x'.repeat(3000)}` }, /question must be .*at most 2000 characters/],
  ];
  for (const [method, params, words] of cases) {
    const r = refused(method, params);
    assert.equal(r.ok, false, JSON.stringify(params));
    assert.match(!r.ok ? r.reason : '', words);
    assert.equal(!r.ok && r.requestId, 7);
  }
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

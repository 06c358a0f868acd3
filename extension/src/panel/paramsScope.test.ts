import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { scopeParams, ScopeError, type PanelScope } from './paramsScope';

const scope: PanelScope = { media: { kind: 'image', path: '/ws/scene.png' }, bankPath: '/store/bank.safetensors' };

test('model is dropped and bank is set by the host', () => {
  const p = scopeParams('spatialIds/steer', { model: '/evil', bank: '/other', media: { image: '/ws/scene.png' }, layers: [1] }, scope);
  assert.deepEqual(p, { bank: '/store/bank.safetensors', media: { image: '/ws/scene.png' }, layers: [1] });
});

test("other files than the panel's are refused, also as patch sources", () => {
  assert.throws(() => scopeParams('spatialIds/forward', { media: { image: '/etc/passwd' }, question: 'q' }, scope), ScopeError);
  assert.throws(
    () => scopeParams('spatialIds/forward', { media: { image: '/ws/scene.png' }, interventions: [{ kind: 'patch', layer: 1, positions: 'all', from: { image: '/x.png' } }] }, scope),
    ScopeError,
  );
});

test('without a cached bank, a bank path from the webview is dropped (the server derives default IDs)', () => {
  assert.deepEqual(scopeParams('spatialIds/probe', { bank: '/etc/x', media: { image: '/ws/scene.png' } }, { ...scope, bankPath: null }), { media: { image: '/ws/scene.png' } });
});

test('scene-engine requests without media pass (batch sweeps)', () => {
  assert.deepEqual(scopeParams('spatialIds/sweepPatches', { batch: 8 }, scope), { batch: 8 });
});

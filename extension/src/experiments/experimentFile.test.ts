import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { newExperiment, parseExperiment, sameResult } from './experimentFile';

test('an experiment survives a save and a parse', () => {
  const e = newExperiment({ kind: 'image', path: '/ws/a.png' }, { dir: '/m', decoderHash: 'ff' });
  e.actions.push({ method: 'spatialIds/forward', params: { media: { image: '/ws/a.png' }, question: 'q' }, result: { answer: 'left' } });
  e.panel = { layer: 3 };
  assert.deepEqual(parseExperiment(JSON.stringify(e), 'e.json'), e);
});

test('files that are not experiments are refused with the reason', () => {
  assert.throws(() => parseExperiment('{', 'x.json'), /not JSON/);
  assert.throws(() => parseExperiment('{"format":"other"}', 'x.json'), /"format" must be/);
  const e = newExperiment({ kind: 'image', path: '/a.png' }, null);
  assert.throws(() => parseExperiment(JSON.stringify({ ...e, actions: [{ method: 'spatialIds/loadModel', params: {} }] }), 'x.json'), /action 1/);
  assert.throws(() => parseExperiment(JSON.stringify({ ...e, version: 2 }), 'x.json'), /version 2/);
});

test("an action's params are checked by its request's schema when the file is read, before any re-run", () => {
  const e = newExperiment({ kind: 'image', path: '/a.png' }, null);
  const withAction = (method: string, params: unknown) => JSON.stringify({ ...e, actions: [{ method, params }] });
  assert.throws(() => parseExperiment(withAction('spatialIds/steer', { batch: 1e9 }), 'x.json'), /x\.json cannot be re-run: action 1 \(spatialIds\/steer\): batch must be a whole number from 1 to 2000 \(got 1000000000\)/);
  assert.throws(() => parseExperiment(withAction('spatialIds/patchSweep', { batch: 2, seed: -1 }), 'x.json'), /seed must be a whole number from 0/);
  assert.throws(() => parseExperiment(withAction('spatialIds/forward', { media: { image: '/a.png' }, question: 'q', extra: 1 }), 'x.json'), /unknown key "extra"/);
  assert.equal(parseExperiment(withAction('spatialIds/patchSweep', { batch: 2 }), 'x.json').actions.length, 1);
});

test('results compare with a relative tolerance on numbers', () => {
  assert.equal(sameResult({ a: [1, 2.00001], s: 'x' }, { a: [1, 2], s: 'x' }), true);
  assert.equal(sameResult({ a: [1, 2.1] }, { a: [1, 2] }), false);
  assert.equal(sameResult({ a: 1 }, { a: 1, b: 2 }), false);
});

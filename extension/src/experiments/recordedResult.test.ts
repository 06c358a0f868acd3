import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { RECORDED_HIDDEN_VALUES, recordedResult } from './recordedResult';

test('a forward result is recorded whole unless its activations are bulk', () => {
  const small = { answer: 'left', hidden: { '2': { '5': [0.1, 0.2] } } };
  assert.equal(recordedResult('forward', small), small);
  const rows = Object.fromEntries(Array.from({ length: 3 }, (_, l) => [String(l), Object.fromEntries(Array.from({ length: 100 }, (_, p) => [String(p), new Array(RECORDED_HIDDEN_VALUES / 200).fill(0)]))]));
  const bulk = { answer: 'left', logprobs: { left: -0.1 }, hidden: rows };
  assert.deepEqual(recordedResult('forward', bulk), { answer: 'left', logprobs: { left: -0.1 } });
  assert.equal(recordedResult('probe', bulk), bulk, 'only forward results carry captured activations');
});

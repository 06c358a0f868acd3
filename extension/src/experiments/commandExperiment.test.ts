import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asCommandExperiment, editorParams } from './commandExperiment';

const experiment = { format: 'spatial-id-lens/experiment@1', command: 'derive-ids', model: '/m', params: { out: '/tmp/bank.safetensors', overwrite: true, seed: 3 } };

test('a command-line experiment is recognised bare and inside a results file', () => {
  assert.deepEqual(asCommandExperiment(experiment, 'e.json'), { experiment });
  assert.deepEqual(asCommandExperiment({ experiment, results: { bestLayer: 4 } }, 'r.json'), { experiment, savedResults: { bestLayer: 4 } });
});

test('a panel recording or any other JSON is not one', () => {
  assert.equal(asCommandExperiment({ format: 'spatial-id-lens/experiment', version: 1, actions: [] }, 'p.json'), null);
  assert.equal(asCommandExperiment([1, 2], 'x.json'), null);
});

test('a command-line experiment without a known command is a clear error naming the file', () => {
  assert.throws(() => asCommandExperiment({ ...experiment, command: 'train' }, 'bad.json'), /bad\.json is a Spatial ID Lens experiment but lacks .*derive-ids/);
});

test('a re-run in the editor never writes the bank file the experiment saved', () => {
  assert.deepEqual(editorParams(experiment as never), { seed: 3 });
});

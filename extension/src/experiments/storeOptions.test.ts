import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { test } from 'node:test';
import { storeExperiment } from '../../../protocol/experiment';
import { editorStoreOptions, savedCounts } from './storeOptions';

const question = 'Is the red circle to the left or right of the blue square?';
const BUNDLED = path.resolve(__dirname, '../../../../models/tiny-spatial-vlm');

test('the saved message counts what the written file holds: its requests, the failed ones and the panel actions', () => {
  const steps = [
    { method: 'forward' as const, params: { question }, result: { answer: 'left' } },
    { method: 'probe' as const, params: { question }, result: { objects: [] } },
    { method: 'steer' as const, params: { question }, error: { code: -32015, message: 'no bank' } },
  ];
  const file = storeExperiment({ model: { dir: BUNDLED, decoderHash: 'ab' }, steps, ui: { actions: [{ kind: 'run' }, { kind: 'steer' }] } }, '/w', editorStoreOptions(BUNDLED, '/store'));
  assert.equal(file.steps.length, 3);
  assert.equal(savedCounts(file), '3 requests (1 failed, kept so a replay checks they fail the same way) from 2 panel actions');
  assert.equal(savedCounts({ ...file, steps: file.steps.slice(0, 1), ui: undefined }), '1 request');
});

test("the editor stores the shipped control by name and leaves out the cache's banks", () => {
  const control = `${BUNDLED}-random-init`;
  const file = storeExperiment(
    { model: { dir: control, decoderHash: 'ee' }, steps: [{ method: 'probe', params: { question, bank: '/store/ee/spatial-ids.safetensors' } }] },
    '/w',
    editorStoreOptions(BUNDLED, '/store'),
  );
  assert.deepEqual(file.model, { bundled: 'tiny-spatial-vlm-random-init', decoderHash: 'ee' });
  assert.equal('bank' in file.steps[0].params, false);
});

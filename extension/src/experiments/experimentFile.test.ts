import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { editorParams, readExperimentText, replayVerdict } from './experimentFile';

const BUNDLED = '/ext/models/tiny-spatial-vlm';
const question = 'Is the red circle to the left or right of the blue square?';

test('a file written on another machine is read with its paths resolved against its folder here', () => {
  const text = JSON.stringify({
    format: 'spatial-id-lens/experiment',
    version: 2,
    model: { bundled: 'tiny-spatial-vlm', decoderHash: 'ff' },
    steps: [{ method: 'probe', params: { media: { image: '../images/a.png' }, question }, result: { answer: 'left' } }],
    ui: { media: { kind: 'image', path: '../images/a.png' }, actions: [{ kind: 'run' }] },
  });
  const exp = readExperimentText(text, '/home/bob/ws/experiments/a.json', BUNDLED);
  assert.equal(exp.model.dir, BUNDLED);
  assert.deepEqual(exp.steps[0].params.media, { image: '/home/bob/ws/images/a.png' });
  assert.equal(exp.ui?.media?.path, '/home/bob/ws/images/a.png');
});

test('files that are not experiments are refused with the reason and the file name', () => {
  assert.throws(() => readExperimentText('{', '/w/x.json', BUNDLED), /x\.json is not JSON/);
  assert.throws(() => readExperimentText('{"format":"other"}', '/w/x.json', BUNDLED), /x\.json is not a Spatial ID Lens experiment/);
  assert.throws(() => readExperimentText(JSON.stringify({ format: 'spatial-id-lens/panel-log', version: 1, actions: [] }), '/w/log.json', BUNDLED), /panel log of an older Spatial ID Lens/);
});

test('a re-run in the editor never writes the bank file the experiment saved, and uses the cached bank for steps saved with the default one', () => {
  assert.deepEqual(editorParams({ method: 'deriveIds', params: { out: '/tmp/bank.safetensors', overwrite: true, seed: 3 } }, '/cache/b'), { seed: 3 });
  assert.deepEqual(editorParams({ method: 'probe', params: { question } }, '/cache/b'), { question, bank: '/cache/b' });
  assert.deepEqual(editorParams({ method: 'probe', params: { question, bank: '/w/bank' } }, '/cache/b'), { question, bank: '/w/bank' });
  assert.deepEqual(editorParams({ method: 'steer', params: { batch: 2 } }, null), { batch: 2 });
});

test('the verdict of a re-run names the steps that differ', () => {
  const saved = [
    { method: 'forward', result: { logprobs: { left: -0.5 } } },
    { method: 'probe', result: { n: 1 } },
  ];
  assert.equal(replayVerdict('e.json', saved, [saved[0], saved[1]]).message, 're-ran 2 of the 2 steps of e.json; all 2 saved results agree.');
  const v = replayVerdict('e.json', saved, [{ method: 'forward', result: { logprobs: { left: -0.143 } } }, saved[1]]);
  assert.deepEqual(v.differing.map((d) => d.step), [1]);
  assert.match(v.message, /1 differ from the saved results: step 1 \(forward\): logprobs\.left -0\.5 became -0\.143\./);
});

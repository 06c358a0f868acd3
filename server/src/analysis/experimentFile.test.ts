import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ErrorCodes } from '../../../protocol/errors';
import { CodedError } from '../../../protocol/errors';
import { experimentIn, readExperiment } from './experimentFile';

const experiment = (command: string, params: object) => ({ format: 'spatial-id-lens/experiment@1', command, model: '/models/m', params });

test("a command-line experiment's params are checked by its request's schema when read, before any work", () => {
  const refused = (command: string, params: object, words: RegExp) =>
    assert.throws(() => experimentIn(experiment(command, params), 'shared.json'), (e: unknown) => e instanceof CodedError && e.code === ErrorCodes.badRequest && words.test(e.message), `${command} ${JSON.stringify(params)}`);
  refused('steer', { batch: 1e9 }, /^shared\.json \(steer params\): batch must be a whole number from 1 to 2000 \(got 1000000000\)\.$/);
  refused('patch-sweep', { batch: 1e9 }, /batch must be a whole number from 1 to 2000/);
  refused('derive-ids', { grid: 10000, sizes: [0.001] }, /grid must be a whole number from 2 to 8/);
  refused('derive-tids', { frames: 1e9 }, /frames must be a whole number from 2 to 64/);
  refused('derive-ids', { out: '/b.safetensors', overwrite: 'false' }, /overwrite must be true or false/);
  refused('probe', { question: 'q' }, /media must be/);
  refused('steer', { batch: 3, batchSize: 3 }, /unknown key "batchSize"/);
  assert.deepEqual(experimentIn(experiment('steer', { batch: 3, bands: [[3], [2, 3]], seed: 7 }), 'ok.json'), experiment('steer', { batch: 3, bands: [[3], [2, 3]], seed: 7 }));
});

test('a results file is read through to its experiment, and checked the same way', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sil-experiment-'));
  try {
    const file = path.join(dir, 'results.json');
    fs.writeFileSync(file, JSON.stringify({ experiment: experiment('patch-sweep', { batch: 2, relation: 'aboveBelow' }), results: {} }));
    assert.deepEqual(readExperiment(file).params, { batch: 2, relation: 'aboveBelow' });
    fs.writeFileSync(file, JSON.stringify({ experiment: experiment('patch-sweep', { batch: -5 }), results: {} }));
    assert.throws(() => readExperiment(file), /results\.json \(patch-sweep params\): batch must be a whole number from 1 to 2000 \(got -5\)/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { paramsFor } from './analysisOptions';
import { UsageError } from './usageError';

/** steer and sweep-patches on one input take the question's objects and answer words, named freely. */

const model = path.resolve('no-such-model');
const photo = path.resolve('photo.png');
const question = 'Is the dog to the left or right of the traffic light?';

test('--objects and --answers become the single-input params of steer and sweep-patches', () => {
  assert.deepEqual(paramsFor('steer', { image: 'photo.png', question, object: 'dog', 'target-cell': '1', objects: 'dog, traffic light', answers: 'left,right' }, model), {
    media: { image: photo },
    question,
    object: 'dog',
    targetCell: 1,
    opposite: false,
    objects: ['dog', 'traffic light'],
    answers: ['left', 'right'],
    layers: [],
  });
  assert.deepEqual(paramsFor('sweep-patches', { image: 'photo.png', question, objects: 'dog,traffic light', answers: 'left,right' }, model), {
    media: { image: photo },
    question,
    objects: ['dog', 'traffic light'],
    answers: ['left', 'right'],
  });
});

test('--objects and --answers are refused with --batch, and out of their counts, naming the option', () => {
  const refused = (command: 'steer' | 'sweep-patches', values: Record<string, string>, words: RegExp) =>
    assert.throws(() => paramsFor(command, values, model), (e: unknown) => e instanceof UsageError && words.test(e.message), `${command} ${JSON.stringify(values)}`);
  refused('steer', { batch: '3', objects: 'dog,cat' }, /--objects/);
  refused('sweep-patches', { batch: '3', answers: 'left,right' }, /--answers/);
  refused('steer', { image: 'photo.png', question, object: 'dog', 'target-cell': '1', answers: 'left' }, /--answers/);
  refused('sweep-patches', { image: 'photo.png', question, objects: 'dog,cat,bird' }, /--objects/);
});

import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { paramsFor } from './analysisOptions';
import { UsageError } from './usageError';

/** The analysis commands' options become request params checked by the requests' own schemas. */

const model = path.resolve('no-such-model'); // no random-init twin beside it: baseline null

test('options become the request params, numbers and lists parsed, absent options left out', () => {
  assert.deepEqual(paramsFor('derive-ids', { objects: 'red circle, blue square', sizes: '10,14.5', grid: '4', seed: '3' }, model), {
    overwrite: false,
    objects: ['red circle', 'blue square'],
    grid: 4,
    sizes: [10, 14.5],
    seed: 3,
    baseline: null,
  });
  assert.deepEqual(paramsFor('derive-tids', { frames: '8', baseline: 'none', overwrite: true }, model), { overwrite: true, baseline: null, frames: 8 });
  assert.deepEqual(paramsFor('steer', { batch: '3', bands: '3;2-3', seed: '7' }, model), { opposite: false, layers: [], bands: [[3], [2, 3]], seed: 7, batch: 3 });
  assert.deepEqual(paramsFor('sweep-patches', { batch: '2', relation: 'aboveBelow' }, model), { batch: 2, relation: 'aboveBelow' });
});

test('values out of the schema bounds are refused before any work, naming the option and the value', () => {
  const cases: Array<[Parameters<typeof paramsFor>[0], Parameters<typeof paramsFor>[1], RegExp]> = [
    ['steer', { batch: '1e9' }, /steer: --batch must be a whole number from 1 to 2000 \(got 1000000000\)/],
    ['steer', { batch: '3', factor: '-5' }, /--factor must be a number from 0 to 50 \(got -5\)/],
    ['steer', { batch: '3', relation: 'inside' }, /--relation must be one of "leftRight", "aboveBelow", "beforeAfter" \(got "inside"\)/],
    ['steer', { question: 'q' }, /--image or --video must be given for a single input/],
    ['sweep-patches', { batch: '0.5' }, /--batch must be a whole number from 1 to 2000 \(got 0\.5\)/],
    ['derive-ids', { grid: '10000', sizes: '0.001' }, /--grid must be a whole number from 2 to 8 \(got 10000\); --sizes\[0\] must be a number from 6 to 48 \(got 0\.001\)/],
    ['derive-ids', { objects: 'red circle, blue' }, /--objects\[1\] must be an object "colour shape": two words/],
    ['derive-ids', { objects: 'red circle, mauve blob' }, /--objects: Unknown object word "mauve blob": name an object as "<colour> <shape>" with a colour of red, /],
    ['derive-tids', { grid: '4' }, /unknown key "grid"/],
    ['derive-tids', { frames: '1e9' }, /--frames must be a whole number from 2 to 64/],
    ['derive-ids', { frames: '8' }, /unknown key "frames"/],
  ];
  for (const [command, values, words] of cases) {
    assert.throws(() => paramsFor(command, values, model), (e: unknown) => e instanceof UsageError && words.test(e.message), `${command} ${JSON.stringify(values)}`);
  }
});

test('text where a number is meant is a usage error naming the option', () => {
  for (const batch of ['three', '0x10', '', ' ']) {
    assert.throws(() => paramsFor('steer', { batch }, model), (e: unknown) => e instanceof UsageError && e.message.startsWith('--batch takes a number'), batch);
  }
  assert.throws(() => paramsFor('derive-ids', { sizes: '10,,14' }, model), /--sizes takes a number/);
});

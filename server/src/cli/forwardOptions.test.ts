import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardParamsFromArgs, parseIndexList, parsePositions, parseSteer } from './forwardOptions';
import { UsageError } from './usageError';

test('lists, ranges and position selectors', () => {
  assert.deepEqual(parseIndexList('capture-layers', '6,0-2, 4,1'), [0, 1, 2, 4, 6]);
  assert.deepEqual(parsePositions(undefined), 'all');
  assert.deepEqual(parsePositions('media'), 'media');
  assert.deepEqual(parsePositions('3,5-6'), [3, 5, 6]);
  assert.deepEqual(parsePositions('words:red circle, square'), { words: ['red circle', 'square'] });
  for (const bad of ['', '1,,2', 'a', '3-1', '-1', '0-99999999']) assert.throws(() => parseIndexList('capture-layers', bad), UsageError, bad);
  assert.throws(() => parsePositions('words:a,'), UsageError);
});

test('--steer layer:word:file reads the vector file', () => {
  const read = (file: string) => (file === 'C:\\v.json' ? [1, 2] : []);
  assert.deepEqual(parseSteer('3:red circle:C:\\v.json', read), { kind: 'add', layer: 3, positions: { words: ['red circle'] }, vector: [1, 2] });
  for (const bad of ['3:circle', 'x:circle:v.json', '3::v.json']) assert.throws(() => parseSteer(bad, read), UsageError, bad);
});

test('the command line becomes the ForwardParams the server takes; defaults capture everything', () => {
  const p = forwardParamsFromArgs({ model: 'm', image: 'a.png', question: 'q', answers: 'left, right' });
  assert.deepEqual(p, { model: 'm', media: { image: 'a.png' }, question: 'q', answers: ['left', 'right'], capture: { layers: 'all', positions: 'all' } });
  assert.throws(() => forwardParamsFromArgs({ model: 'm', question: 'q' }), /one of --image <file> or --video <file>/);
  assert.throws(() => forwardParamsFromArgs({ model: 'm', image: 'a', video: 'b', question: 'q' }), /one of --image/);
  assert.throws(() => forwardParamsFromArgs({ model: 'm', video: 'b.mp4' }), /--question "\.\.\." is required/);
});

test('--max-new-tokens is a number; its range is the request schema\'s', () => {
  assert.equal(forwardParamsFromArgs({ model: 'm', image: 'a.png', question: 'q', 'max-new-tokens': '4' }).maxNewTokens, 4);
  assert.throws(() => forwardParamsFromArgs({ model: 'm', image: 'a.png', question: 'q', 'max-new-tokens': 'four' }), /--max-new-tokens takes a number \(got "four"\)/);
});

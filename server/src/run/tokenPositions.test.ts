import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerWordsOf } from './tokenPositions';

test('the default answer words are the two words around "or"', () => {
  assert.deepEqual(answerWordsOf('Is the red circle to the left or right of the blue square?'), ['left', 'right']);
  assert.deepEqual(answerWordsOf('Does the star appear Before OR after the ring?'), ['before', 'after']);
  assert.deepEqual(answerWordsOf('left orange or right'), ['orange', 'right'], '"or" must be a whole word');
  assert.deepEqual(answerWordsOf('or or b'), ['or', 'b']);
  assert.deepEqual(answerWordsOf('left, or right'), [], 'only blanks between the words, as before');
  assert.deepEqual(answerWordsOf('What colour is the star?'), []);
  assert.deepEqual(answerWordsOf(''), []);
});

// The old backtracking regex took minutes on 1 MB; a linear scan takes milliseconds. The timeout
// bounds a regression to quadratic time instead of asserting a speed.
test('a 1 MB question without an answer pair is scanned in linear time', { timeout: 10_000 }, () => {
  assert.deepEqual(answerWordsOf('a'.repeat(1_000_000)), []);
  assert.deepEqual(answerWordsOf('a '.repeat(500_000)), []);
  assert.deepEqual(answerWordsOf(`${'x '.repeat(500_000)}left or right`), ['left', 'right']);
});

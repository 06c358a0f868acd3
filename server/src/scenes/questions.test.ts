import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Scene } from './scene';
import { aboveBelowQuestion, beforeAfterQuestion, colourQuestion, groundingQuestion, leftRightQuestion, questionVocabulary } from './questions';

const scene: Scene = {
  width: 96, height: 96, background: { kind: 'plain', colour: '#282828' },
  objects: [
    { colour: 'red', shape: 'circle', x: 12, y: 84, size: 10 },
    { colour: 'blue', shape: 'star', x: 60, y: 36, size: 14 },
    { colour: 'green', shape: 'circle', x: 66, y: 80, size: 10 },
  ],
};

test('relations follow the centres', () => {
  assert.deepEqual(leftRightQuestion(scene, 0, 1), { family: 'leftRight', question: 'Is the red circle to the left or right of the blue star?', answer: 'left' });
  assert.equal(leftRightQuestion(scene, 1, 0).answer, 'right');
  assert.equal(aboveBelowQuestion(scene, 0, 1).answer, 'below');
  assert.equal(aboveBelowQuestion(scene, 1, 0).answer, 'above');
  assert.throws(() => leftRightQuestion(scene, 1, 2), /less than 12 px apart horizontally/);
});

test('grounding names the 1-based cell of the centre', () => {
  assert.equal(groundingQuestion(scene, 0).answer, 'row 4 column 1');
  assert.equal(groundingQuestion(scene, 1).answer, 'row 2 column 3');
});

test('colour questions need a shape that occurs once', () => {
  assert.deepEqual(colourQuestion(scene, 1), { family: 'colour', question: 'What colour is the star?', answer: 'blue' });
  assert.throws(() => colourQuestion(scene, 0), /several circles/);
});

const clip = { scene, numFrames: 8, appearFrame: [7, 2, 4] };

test('before/after compares the frames where the objects first appear', () => {
  assert.deepEqual(beforeAfterQuestion(clip, 1, 2), { family: 'beforeAfter', question: 'Does the blue star appear before or after the green circle?', answer: 'before' });
  assert.equal(beforeAfterQuestion(clip, 0, 1).answer, 'after');
});

test('the vocabulary covers every word of every question and answer', () => {
  const vocab = new Set(questionVocabulary());
  for (const qa of [leftRightQuestion(scene, 0, 1), aboveBelowQuestion(scene, 0, 1), colourQuestion(scene, 1), groundingQuestion(scene, 0), beforeAfterQuestion(clip, 0, 1)]) {
    for (const w of `${qa.question} ${qa.answer}`.match(/\w+|[^\w\s]+/g)!) assert.ok(vocab.has(w), `"${w}" is in the vocabulary`);
  }
});

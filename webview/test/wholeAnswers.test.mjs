// Issue 18 items 1-3 in the panel's pure logic, in Node: the colour question names its object's
// shape only (its colour would give the answer away), a closed vocabulary's names found in a typed
// question (a shape inside "red circle" is that name), whole-answer log-P rows, and the token
// view's runs of media tokens and its unknown words.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadTs } from './support/loadTs.mjs';

let questions;
let logprobs;
let tokens;
before(async () => {
  [questions, logprobs, tokens] = await Promise.all(['src/logic/questions.ts', 'src/logic/logprobs.ts', 'src/views/tokenView.ts'].map(loadTs));
});

const SHAPES = ['circle', 'square', 'ring'];
const WORDS = ['red circle', 'blue square', 'cyan ring', 'purple ring'];
const TEMPLATES = [
  { text: 'Is the {a} to the left or right of the {b}?', objects: 2, relation: 'leftRight', answers: ['left', 'right'] },
  { text: 'Where is the {a}?', objects: 1, relation: null, answers: [] },
  // as the server sends it for a closed vocabulary (server/src/scenes/modelVocabulary.ts)
  { text: 'What colour is the {a}?', objects: 1, relation: null, answers: [], objectWords: SHAPES },
];
const fields = (f) => ({ question: '', templateIndex: -1, objectA: '', objectB: '', answerText: '', ...f });

describe('the colour question without its answer', () => {
  it('offers the shapes for the colour template and the vocabulary for the others', () => {
    assert.deepEqual(questions.wordsFor(TEMPLATES[2], WORDS), SHAPES);
    assert.deepEqual(questions.wordsFor(TEMPLATES[0], WORDS), WORDS);
    assert.deepEqual(questions.wordsFor(undefined, WORDS), WORDS, "a question of the user's own");
    assert.equal(questions.wordsFor(TEMPLATES[2], null), null, 'an open vocabulary names objects freely');
  });

  it('moves a name to its counterpart when the offered names change', () => {
    assert.equal(questions.nameAmong(SHAPES, 'cyan ring'), 'ring');
    assert.equal(questions.nameAmong(WORDS, 'ring'), 'cyan ring', 'the first name with that shape');
    assert.equal(questions.nameAmong(WORDS, 'blue square'), 'blue square');
    assert.equal(questions.nameAmong(SHAPES, 'dog'), 'circle', 'no counterpart: the first name');
  });

  it('asks "What colour is the ring?" and reads the object "ring"', () => {
    const question = questions.questionFrom(TEMPLATES[2], 'ring', '');
    assert.equal(question, 'What colour is the ring?');
    assert.deepEqual(questions.askedQuestion(fields({ question, templateIndex: 2, objectA: 'ring' }), TEMPLATES, WORDS).asked, { question, objects: ['ring'], answers: [], relation: null });
    // typed as a question of the user's own, the shape is still found
    assert.deepEqual(questions.askedQuestion(fields({ question }), TEMPLATES, WORDS).asked.objects, ['ring']);
    assert.equal(questions.templateMatching(question, TEMPLATES, 'ring', ''), 2, 'the typed question is the colour template');
  });

  it('a shape inside a longer name the question names is that name', () => {
    const all = questions.allClosedNames(TEMPLATES, WORDS);
    assert.deepEqual(all, [...WORDS, ...SHAPES]);
    assert.deepEqual(questions.objectsNamedIn('Is the red circle to the left or right of the cyan ring?', all), ['red circle', 'cyan ring']);
    assert.deepEqual(questions.objectsNamedIn('Is the ring left of the red circle?', all), ['ring', 'red circle']);
    assert.deepEqual(questions.objectsNamedIn('Is the dog to the left of the cat?', all), [], 'no name the model reads');
  });
});

describe('whole answers', () => {
  it('tables each whole answer under the three runs, with changes from before', () => {
    const rows = logprobs.wholeAnswerRows([
      { text: 'row 2 column 1', generatedBy: ['before', 'noise'], tokens: 5, logprob: { before: -0.5, steered: -9, noise: -1 } },
      { text: 'row 4 column 4', generatedBy: ['steered'], tokens: 5, logprob: { before: -12, steered: -0.25, noise: -Infinity } },
    ]);
    assert.deepEqual(rows[0], { answer: 'row 2 column 1', generatedBy: 'before, noise control', tokens: 5, before: -0.5, after: -9, delta: -8.5, noise: -1, noiseDelta: -0.5 });
    assert.deepEqual([rows[1].delta, rows[1].noise, rows[1].noiseDelta], [11.75, null, null], 'a non-finite log P shows as none');
  });
});

describe('token view items', () => {
  const t = (position, kind, text = kind === 'text' ? 'w' : `<${kind}>`, extra = {}) => ({ position, id: position, text, kind, ...extra });
  it('collapses each run of media tokens of one kind, keeping text tokens one by one', () => {
    const items = tokens.tokenItems([t(0, 'text'), t(1, 'image'), t(2, 'image'), t(3, 'text'), t(4, 'video'), t(5, 'video'), t(6, 'image')]);
    assert.deepEqual(items.map((i) => (i.kind === 'media' ? `${i.text}x${i.count}@${i.from}-${i.to}` : `t${i.token.position}`)), ['t0', '<image>x2@1-2', 't3', '<video>x2@4-5', '<image>x1@6-6']);
  });
  it('names the words behind unknown tokens, "?" where the server could not tell', () => {
    assert.deepEqual(tokens.unknownWords([t(0, 'text', '<unk>', { unknown: true, word: 'big' }), t(1, 'text'), t(2, 'text', '<unk>', { unknown: true })]), ['big', '?']);
  });
});

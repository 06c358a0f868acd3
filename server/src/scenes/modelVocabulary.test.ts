import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { BUNDLED_MODEL } from '../../test/support/sceneFixture';
import { closedVocabularyOf } from './modelVocabulary';
import { questionVocabulary } from './questions';

const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(BUNDLED_MODEL, file), 'utf8')) as Record<string, unknown>;
const tokenizer = () => readJson('tokenizer.json');
const chatTemplate = readJson('tokenizer_config.json').chat_template as string;

/** A tokenizer.json whose WordPiece vocabulary is `words` (ids in order), with the bundled model's special tokens. */
function wordPiece(words: string[]): object {
  const t = tokenizer();
  return { ...t, model: { ...(t.model as object), vocab: Object.fromEntries(words.map((w, i) => [w, i])) } };
}
const bundledWords = () => Object.keys((tokenizer().model as { vocab: Record<string, number> }).vocab);

test("the bundled model's vocabulary is closed: the panel gets the scene engine's templates and every colour-shape word", () => {
  const v = closedVocabularyOf(tokenizer(), chatTemplate);
  assert.ok(v, 'closed');
  assert.deepEqual(v.questionTemplates.image, ['Is the {a} to the left or right of the {b}?', 'Is the {a} above or below the {b}?', 'Where is the {a}?', 'What colour is the {a}?']);
  assert.deepEqual(v.questionTemplates.video, ['Does the {a} appear before or after the {b}?']);
  assert.equal(v.objectWords.length, 8 * 8);
  assert.ok(v.objectWords.includes('red circle') && v.objectWords.includes('pink ring'));
  for (const word of v.objectWords.flatMap((o) => o.split(' '))) assert.ok(bundledWords().includes(word), `${word} is a token of the model`);
});

test('a tokenizer that reads other words, or lacks a scene word, has an open vocabulary (null)', () => {
  assert.ok(closedVocabularyOf(wordPiece(bundledWords()), chatTemplate), 'the same words: closed');
  assert.equal(closedVocabularyOf(wordPiece([...bundledWords(), 'dog']), chatTemplate), null, 'one word beyond the scene');
  assert.equal(closedVocabularyOf(wordPiece([...bundledWords(), '##s']), chatTemplate), null, 'a WordPiece continuation reads new words');
  assert.equal(closedVocabularyOf(wordPiece(bundledWords().filter((w) => w !== 'heart')), chatTemplate), null, 'a scene word missing');
  assert.equal(closedVocabularyOf({ model: { type: 'BPE' } }, chatTemplate), null, 'no vocabulary to read');
  assert.equal(closedVocabularyOf(wordPiece(bundledWords()), undefined), null, 'without a chat template, its words (USER, ASSISTANT) are words beyond the scene');
});

test('a Unigram vocabulary (a list of [piece, score]) is read too', () => {
  const pieces = bundledWords().map((w) => [w, 0]);
  assert.ok(closedVocabularyOf({ ...tokenizer(), model: { type: 'Unigram', vocab: pieces } }, chatTemplate));
  assert.equal(closedVocabularyOf({ ...tokenizer(), model: { type: 'Unigram', vocab: [...pieces, ['▁the', 0]] } }, chatTemplate), null);
});

test('the scene question words are what the model must know', () => {
  for (const w of ['left', 'right', 'above', 'below', 'before', 'after', 'red', 'circle', '?']) assert.ok(questionVocabulary().includes(w), w);
});

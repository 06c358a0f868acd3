import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { BUNDLED_MODEL, makeTempDir } from '../../test/support/sceneFixture';
import type { QuestionTemplate } from '../../../protocol/requests';
import { TWINS, skipUnlessPresent } from '../../test/support/twinFixtures';
import { ModelRunner } from '../run/modelRunner';
import { modelVocabularyOf, questionTemplates } from './modelVocabulary';
import { ANSWER_WORDS, TEMPLATES, questionVocabulary } from './questions';

const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(BUNDLED_MODEL, file), 'utf8')) as Record<string, unknown>;
const tokenizer = () => readJson('tokenizer.json');
const chatTemplate = readJson('tokenizer_config.json').chat_template as string;

/** A tokenizer.json whose WordPiece vocabulary is `words` (ids in order), with the bundled model's special tokens. */
function wordPiece(words: string[]): object {
  const t = tokenizer();
  return { ...t, model: { ...(t.model as object), vocab: Object.fromEntries(words.map((w, i) => [w, i])) } };
}
const bundledWords = () => Object.keys((tokenizer().model as { vocab: Record<string, number> }).vocab);

const readsVideo = { readsVideo: true };
const QWEN2_VL = TWINS.find((t) => t.name === 'qwen2-vl')!;
const objectWordsOf = (t: object, chat: string | undefined) => modelVocabularyOf(t, chat, readsVideo).objectWords;

test("the bundled model's vocabulary is closed: the scene engine's templates, each with its relation and answers, and every colour-shape word", () => {
  const v = modelVocabularyOf(tokenizer(), chatTemplate, readsVideo);
  assert.deepEqual(v.questionTemplates.image, [
    { text: 'Is the {a} to the left or right of the {b}?', objects: 2, relation: 'leftRight', answers: ['left', 'right'] },
    { text: 'Is the {a} above or below the {b}?', objects: 2, relation: 'aboveBelow', answers: ['above', 'below'] },
    { text: 'Where is the {a}?', objects: 1, relation: null, answers: [] },
    { text: 'What colour is the {a}?', objects: 1, relation: null, answers: [], objectWords: ['circle', 'square', 'triangle', 'star', 'cross', 'diamond', 'heart', 'ring'] },
  ]);
  const colour = v.questionTemplates.image[3].text.replace('{a}', v.questionTemplates.image[3].objectWords![7]);
  assert.equal(colour, 'What colour is the ring?', 'the colour question names no colour: it would give the answer away');
  assert.equal(colour, TEMPLATES.colour('ring'), 'the scene engine asks the model so');
  assert.deepEqual(v.questionTemplates.video, [{ text: 'Does the {a} appear before or after the {b}?', objects: 2, relation: 'beforeAfter', answers: ['before', 'after'] }]);
  assert.ok(v.objectWords, 'closed');
  assert.equal(v.objectWords.length, 8 * 8);
  assert.ok(v.objectWords.includes('red circle') && v.objectWords.includes('pink ring'));
  for (const word of v.objectWords.flatMap((o) => o.split(' '))) assert.ok(bundledWords().includes(word), `${word} is a token of the model`);
});

test('each template is the scene engine question of its relation, with the scene engine answers', () => {
  const fill = (t: QuestionTemplate) => t.text.replace('{a}', 'red circle').replace('{b}', 'blue square');
  const { image, video } = questionTemplates(true);
  const scene = { leftRight: TEMPLATES.leftRight, aboveBelow: TEMPLATES.aboveBelow, beforeAfter: TEMPLATES.beforeAfter };
  for (const t of [...image, ...video].filter((x) => x.relation)) {
    assert.equal(fill(t), scene[t.relation!]('red circle', 'blue square'), t.text);
    assert.deepEqual(t.answers, ANSWER_WORDS[t.relation!]);
    for (const w of t.answers) assert.ok(fill(t).split(/\W+/).includes(w), `the ${t.relation} question offers "${w}"`);
  }
  for (const t of image) assert.equal(t.objects, t.text.includes('{b}') ? 2 : 1, t.text);
  assert.deepEqual(questionTemplates(false).video, [], 'no video questions for a model that reads no clips');
});

test('a tokenizer that reads other words, or lacks a scene word, has an open vocabulary (objects named freely)', () => {
  assert.ok(objectWordsOf(wordPiece(bundledWords()), chatTemplate), 'the same words: closed');
  assert.equal(objectWordsOf(wordPiece([...bundledWords(), 'dog']), chatTemplate), null, 'one word beyond the scene');
  assert.equal(objectWordsOf(wordPiece([...bundledWords(), '##s']), chatTemplate), null, 'a WordPiece continuation reads new words');
  assert.equal(objectWordsOf(wordPiece(bundledWords().filter((w) => w !== 'heart')), chatTemplate), null, 'a scene word missing');
  assert.equal(objectWordsOf({ model: { type: 'BPE' } }, chatTemplate), null, 'no vocabulary to read');
  assert.equal(objectWordsOf(wordPiece(bundledWords()), undefined), null, 'without a chat template, its words (USER, ASSISTANT) are words beyond the scene');
});

test('a Unigram vocabulary (a list of [piece, score]) is read too', () => {
  const pieces = bundledWords().map((w) => [w, 0]);
  assert.ok(objectWordsOf({ ...tokenizer(), model: { type: 'Unigram', vocab: pieces } }, chatTemplate));
  assert.equal(objectWordsOf({ ...tokenizer(), model: { type: 'Unigram', vocab: [...pieces, ['▁the', 0]] } }, chatTemplate), null);
});

test("every family twin's tokenizer reads open text: templates with relations, objects named freely", () => {
  for (const twin of TWINS) {
    const read = (f: string) => JSON.parse(fs.readFileSync(path.join(twin.dir, f), 'utf8')) as Record<string, unknown>;
    const v = modelVocabularyOf(read('tokenizer.json'), read('tokenizer_config.json').chat_template as string | undefined, { readsVideo: false });
    assert.equal(v.objectWords, null, twin.name);
    assert.deepEqual(v.questionTemplates.image.map((t) => t.relation), ['leftRight', 'aboveBelow', null, null], twin.name);
  }
});

test('the scene question words are what the model must know', () => {
  for (const w of ['left', 'right', 'above', 'below', 'before', 'after', 'red', 'circle', '?']) assert.ok(questionVocabulary().includes(w), w);
});

test('ModelInfo on the Qwen2-VL twin: templates with relations, no video (one picture per prompt), objects named freely', { skip: skipUnlessPresent(QWEN2_VL) }, async () => {
  const cacheDir = makeTempDir('vocabulary-graphs');
  try {
    const runner = await ModelRunner.load(QWEN2_VL.dir, { cacheDir, threads: 1 });
    const { vocabulary } = runner.info();
    assert.equal(vocabulary.objectWords, null);
    assert.deepEqual(vocabulary.questionTemplates, questionTemplates(false));
    assert.deepEqual(vocabulary.questionTemplates.image[0], { text: 'Is the {a} to the left or right of the {b}?', objects: 2, relation: 'leftRight', answers: ['left', 'right'] });
    await runner.dispose();
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});

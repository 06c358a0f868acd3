import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TokenInfo } from '../../../protocol/requests';
import { markUnknownTokens, unknownWordsOf } from './unknownWords';

/** A word-level tokenizer of a few words: anything else is <unk> (id 0), as the bundled model's WordLevel tokenizer does. */
const VOCAB = ['<unk>', 'is', 'the', 'blue', 'square', 'to', 'left', 'of', '?'];
const encode = (text: string) => (text.match(/[\w']+|[^\w\s]/g) ?? []).map((w) => Math.max(0, VOCAB.indexOf(w.toLowerCase())));
const tokensOf = (question: string): TokenInfo[] => encode(question).map((id, position) => ({ position, id, text: VOCAB[id], kind: 'text' }));

test('each <unk> token is marked and named by the question word it stands for, in order', () => {
  const q = 'Is the big blue square to the left of the cat?';
  assert.deepEqual(unknownWordsOf(q, encode, 0), ['big', 'cat']);
  const marked = markUnknownTokens(tokensOf(q), q, encode, 0);
  assert.deepEqual(marked.filter((t) => t.unknown).map((t) => [t.position, t.word]), [[2, 'big'], [10, 'cat']]);
  assert.ok(marked.filter((t) => !t.unknown).every((t) => !('word' in t)), 'known tokens stay as they were');
});

test('no unknown token: the tokens are returned as they are; a tokenizer without <unk> marks nothing', () => {
  const q = 'Is the blue square to the left?';
  const tokens = tokensOf(q);
  assert.equal(markUnknownTokens(tokens, q, encode, 0), tokens);
  assert.deepEqual(unknownWordsOf('Is the dog left?', encode, undefined), []);
});

test('when the unknown words and tokens do not pair up, the tokens are marked without a word rather than a wrong one', () => {
  const q = 'Is the big square?';
  const tokens = tokensOf(q);
  // a tokenizer that read "big" as two unknown pieces
  const split: TokenInfo[] = [...tokens.slice(0, 2), { position: 2, id: 0, text: '<unk>', kind: 'text' as const }, ...tokens.slice(2)].map((t, position) => ({ ...t, position }));
  const marked = markUnknownTokens(split, q, encode, 0);
  assert.equal(marked.filter((t) => t.unknown).length, 2);
  assert.ok(marked.every((t) => t.word === undefined));
});

test('media tokens are never marked, whatever their id', () => {
  const q = 'Is the big square?';
  const tokens: TokenInfo[] = [{ position: 0, id: 0, text: '<image>', kind: 'image' }, ...tokensOf(q).map((t) => ({ ...t, position: t.position + 1 }))];
  const marked = markUnknownTokens(tokens, q, encode, 0);
  assert.equal(marked[0].unknown, undefined);
  assert.deepEqual(marked.filter((t) => t.unknown).map((t) => t.word), ['big']);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModelFolderError, openModelFolder } from './modelFolder';
import { fixtureTokenizerConfig, writeModelFolderFixture } from '../../test/support/modelFolderFixture';
import { ErrorCodes } from '../../../protocol/errors';
import { CodedError } from '../../../protocol/errors';
import { PromptProcessor } from './promptProcessor';

const processor = PromptProcessor.fromFolder(openModelFolder(writeModelFolderFixture()));

test('the chat template renders the training prompt', () => {
  assert.equal(processor.renderChat('What colour is the star?', 'image'), '<s>USER: <image>\nWhat colour is the star? ASSISTANT:');
  assert.equal(processor.renderChat('Does the red star appear before or after the blue ring?', 'video'), '<s>USER: <video>\nDoes the red star appear before or after the blue ring? ASSISTANT:');
});

test('one <image> expands to image_seq_length image tokens, flagged as image', () => {
  const p = processor.encodeQuestion('What colour is the star?', 'image');
  const imageTokens = p.tokens.filter((t) => t.kind === 'image');
  assert.equal(imageTokens.length, 16);
  assert.ok(imageTokens.every((t) => t.id === 4 && t.text === '<image>'));
  // <s> USER : then 16 image tokens, contiguous, then the question
  assert.deepEqual(p.tokens.slice(0, 3).map((t) => t.text), ['<s>', 'USER', ':']);
  assert.deepEqual(p.tokens.map((t, i) => (t.kind === 'image' ? i : -1)).filter((i) => i >= 0), Array.from({ length: 16 }, (_, k) => 3 + k));
  assert.deepEqual(p.tokens.slice(19).map((t) => t.text), ['What', 'colour', 'is', 'the', 'star', '?', 'ASSISTANT', ':']);
  assert.ok(p.tokens.slice(19).every((t) => t.kind === 'text'));
  assert.deepEqual(p.ids, p.tokens.map((t) => t.id));
  assert.equal(p.ids.length, 3 + 16 + 8);
});

test('one <video> expands to video_seq_length video tokens', () => {
  const p = processor.encodeQuestion('Does the red star appear before or after the blue ring?', 'video');
  assert.equal(p.tokens.filter((t) => t.kind === 'video').length, 32);
  assert.equal(p.tokens.filter((t) => t.kind === 'image').length, 0);
  assert.ok(p.tokens.filter((t) => t.kind === 'video').every((t) => t.id === 5));
});

test('answer words encode to one id each and decode back, the end-of-sequence token skipped', () => {
  const ids = ['row', '2', 'column', '3'].map((w) => processor.tokenizer.encode(w, { add_special_tokens: false }).ids);
  assert.ok(ids.every((one) => one.length === 1), JSON.stringify(ids));
  assert.equal(new Set(ids.flat()).size, 4);
  assert.equal(processor.decode([...ids.flat(), 2]), 'row 2 column 3');
});

test('a tokenizer whose <image> id disagrees with config.json is refused', () => {
  const dir = writeModelFolderFixture({ files: { 'processor_config.json': { image_seq_length: 16 } } });
  const folder = openModelFolder(dir);
  folder.config.image_token_index = 7;
  assert.throws(() => PromptProcessor.fromFolder(folder), /maps <image> to 4 but config.json "image_token_index" is 7/);
});

test('a question holding a special token text is refused, not turned into a placeholder', () => {
  for (const special of ['<image>', '<video>', '<s>', '</s>']) {
    assert.throws(
      () => processor.encodeQuestion(`Is the red circle ${special} left or right of the blue square?`, 'image'),
      (e: unknown) => e instanceof CodedError && e.code === ErrorCodes.badQuestion && e.message.includes(`contains "${special}"`) && /remove it from the question/.test(e.message),
      special,
    );
  }
  assert.throws(() => processor.encodeQuestion('<video> before or after?', 'video'), /"<video>", this model's video placeholder/);
});

test('a question longer than the model reads (max_position_embeddings) is refused with the counts', () => {
  const folder = openModelFolder(writeModelFolderFixture());
  const { config, processor: p } = folder;
  const settings = { tokenizer: folder.tokenizer, tokenizerConfig: folder.tokenizerConfig, imageTokenId: config.image_token_index, videoTokenId: config.video_token_index, imageSeqLength: p.image_seq_length ?? 0, videoSeqLength: p.video_seq_length };
  const short = new PromptProcessor({ ...settings, maxPositions: 40 });
  assert.equal(short.encodeQuestion('What colour is the star?', 'image').ids.length, 27, 'a prompt within the positions');
  const long = Array.from({ length: 20 }, () => 'star').join(' ');
  assert.throws(() => short.encodeQuestion(long, 'image'), (e: unknown) => e instanceof CodedError && e.code === ErrorCodes.badQuestion && /prompt of 41 tokens, but this model reads at most 40 positions/.test(e.message));
});

test('a chat template whose work grows with the question is bounded at request time too, not only at load', () => {
  // quadratic in the question's length: cheap on the sample question rendered at load, not on a long one
  const costly = `{% for m in messages %}{% for c in m.content %}{% if c.text %}{% for i in range(c.text|length) %}{% for j in range(c.text|length) %}{% endfor %}{% endfor %}{% endif %}{% endfor %}{% endfor %}${fixtureTokenizerConfig().chat_template}`;
  const folder = openModelFolder(writeModelFolderFixture({ files: { 'tokenizer_config.json': { ...fixtureTokenizerConfig(), chat_template: costly } } }));
  const slow = PromptProcessor.fromFolder(folder);
  assert.equal(slow.renderChat('What colour is the star?', 'image'), processor.renderChat('What colour is the star?', 'image'));
  assert.throws(
    () => slow.renderChat(`What colour is the ${'very '.repeat(300)}star?`, 'image'),
    (e: unknown) => e instanceof ModelFolderError && /chat_template" is too costly for this question/.test(e.message),
  );
});

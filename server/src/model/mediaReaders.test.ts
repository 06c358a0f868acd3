import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModelFolderError, VlmConfig } from './modelFolder';
import { mediaReaderBias, mediaReadersOf } from './mediaReaders';

const IMAGE = 4;
const VIDEO = 5;
const READER = 40;
const config = (extra: Record<string, unknown> = {}): VlmConfig => ({
  model_type: 'llava',
  image_token_index: IMAGE,
  video_token_index: VIDEO,
  text_config: { hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 1, vocab_size: 50 },
  ...extra,
});
const declared = { media_readers: { decoder_input: 'attention_bias', token_ids: [READER] } };
const inputs = ['inputs_embeds', 'attention_mask', 'position_ids', 'attention_bias'];

test('a model that declares no readers has none, and plain decoders need nothing', () => {
  assert.equal(mediaReadersOf(config(), ['inputs_embeds', 'attention_mask'], 'd.onnx'), null);
});

test('a declared input the decoder lacks, an undeclared bias input and a malformed declaration are clear errors', () => {
  assert.throws(() => mediaReadersOf(config(declared), ['inputs_embeds'], 'd.onnx'), (e: unknown) => e instanceof ModelFolderError && /has no such input/.test(e.message));
  assert.throws(() => mediaReadersOf(config(), inputs, 'd.onnx'), (e: unknown) => e instanceof ModelFolderError && /declares no "media_readers"/.test(e.message));
  assert.throws(() => mediaReadersOf(config({ media_readers: { decoder_input: 'attention_bias', token_ids: [] } }), inputs, 'd.onnx'), /must be/);
});

test('the bias keeps media keys from every query that is neither a reader nor media', () => {
  const spec = mediaReadersOf(config(declared), inputs, 'd.onnx')!;
  // <s> img img word reader ?
  const ids = [1, IMAGE, IMAGE, 20, READER, 21];
  const bias = mediaReaderBias(spec, ids, ids.length);
  assert.deepEqual(bias.dims, [1, 1, 6, 6]);
  const row = (q: number) => Array.from((bias.data as Float32Array).subarray(q * 6, q * 6 + 6)).map((v) => (v < 0 ? 'x' : '.')).join('');
  assert.equal(row(0), '.xx...'); // <s>: a text token, blocked from media (later keys are masked by causality anyway)
  assert.equal(row(1), '......'); // media tokens see each other
  assert.equal(row(3), '.xx...');
  assert.equal(row(4), '......'); // the reader sees the picture
  assert.equal(row(5), '.xx...');
});

test('readers of images only leave video tokens open to every query', () => {
  const imagesOnly = { media_readers: { decoder_input: 'attention_bias', token_ids: [READER], media_token_ids: [IMAGE] } };
  const spec = mediaReadersOf(config(imagesOnly), inputs, 'd.onnx')!;
  const video = mediaReaderBias(spec, [1, VIDEO, VIDEO, 20, READER, 21], 6);
  assert.ok(Array.from(video.data as Float32Array).every((v) => v === 0));
  const image = mediaReaderBias(spec, [1, IMAGE, 20], 3);
  assert.deepEqual(Array.from(image.data as Float32Array).map((v) => v < 0), [false, true, false, false, false, false, false, true, false]);
});

test('a cached step gets one row over the whole cache', () => {
  const spec = mediaReadersOf(config(declared), inputs, 'd.onnx')!;
  const ids = [1, VIDEO, VIDEO, READER, 21, 30];
  const step = mediaReaderBias(spec, ids, 1);
  assert.deepEqual(step.dims, [1, 1, 1, 6]);
  assert.deepEqual(Array.from(step.data as Float32Array).map((v) => v < 0), [false, true, true, false, false, false]);
  const readerStep = mediaReaderBias(spec, [...ids, READER], 1);
  assert.ok(Array.from(readerStep.data as Float32Array).every((v) => v === 0));
});

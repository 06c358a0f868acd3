import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { ModelFolderError, eosTokenIds, openModelFolder } from './modelFolder';
import { fixtureConfig, fixtureTokenizerConfig, writeModelFolderFixture } from '../../test/support/modelFolderFixture';

function throwsFolderError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ModelFolderError, `expected a ModelFolderError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test('a complete folder opens with its configs and graph paths', () => {
  const dir = writeModelFolderFixture();
  const folder = openModelFolder(dir);
  assert.equal(folder.config.model_type, 'llava');
  assert.equal(folder.processor.image_seq_length, 16);
  assert.equal(folder.processor.video_seq_length, 32);
  assert.equal(folder.onnx.decoder, path.join(dir, 'onnx', 'decoder_model_merged.onnx'));
  assert.equal(folder.onnx.videoEncoder, path.join(dir, 'onnx', 'video_encoder.onnx'));
  assert.deepEqual(eosTokenIds(folder), [2]);
});

test('a folder without config.json names the file and the fix', () => {
  const dir = writeModelFolderFixture({ files: { 'config.json': null } });
  throwsFolderError(() => openModelFolder(dir), /has no config\.json: export the model/);
});

test('a path that is not a folder is refused', () => {
  throwsFolderError(() => openModelFolder(path.join(writeModelFolderFixture(), 'nope')), /is not a folder/);
});

test('unsupported model types say why, and list the supported families', () => {
  const listed = /Supported families \(config\.json "model_type"\): llava, qwen2_vl, qwen2_5_vl, gemma3, idefics3, smolvlm\./;
  const cases: Array<[string, RegExp]> = [
    ['mllama', /Model type mllama is not supported because its images enter the language model through cross-attention layers, never as tokens of the residual stream/],
    ['internvl', /Model type internvl is not supported because transformers\.js has no InternVL processor/],
    ['llava_next', /Model type llava_next is not supported because its processor picks an any-resolution tile grid/],
    ['florence2', /Model type florence2 is not supported: this runtime reads vision-language models whose images become tokens/],
  ];
  for (const [type, pattern] of cases) {
    const dir = writeModelFolderFixture({ files: { 'config.json': { ...fixtureConfig(), model_type: type } } });
    throwsFolderError(() => openModelFolder(dir), pattern);
    throwsFolderError(() => openModelFolder(dir), listed);
  }
});

test('a missing graph is named, with the variants that are there', () => {
  const dir = writeModelFolderFixture({ omitGraphs: ['decoder_model_merged'] });
  throwsFolderError(() => openModelFolder(dir), /missing onnx\/decoder_model_merged\.onnx .*Re-run the exporter/);
  fs.writeFileSync(path.join(dir, 'onnx', 'decoder_model_merged_q4.onnx'), '');
  throwsFolderError(() => openModelFolder(dir), /The folder has decoder_model_merged_q4\.onnx: choose that variant/);
});

test('variants pick the suffixed files', () => {
  const dir = writeModelFolderFixture();
  throwsFolderError(() => openModelFolder(dir, { variant: 'quantized' }), /missing onnx\/vision_encoder_quantized\.onnx/);
  for (const g of ['vision_encoder', 'video_encoder', 'embed_tokens', 'decoder_model_merged']) fs.writeFileSync(path.join(dir, 'onnx', `${g}_quantized.onnx`), '');
  assert.equal(openModelFolder(dir, { variant: 'quantized' }).onnx.embedTokens, path.join(dir, 'onnx', 'embed_tokens_quantized.onnx'));
});

test('broken configs are refused with the key named', () => {
  const noHidden = fixtureConfig();
  noHidden.text_config = { ...(noHidden.text_config as object), hidden_size: undefined };
  throwsFolderError(() => openModelFolder(writeModelFolderFixture({ files: { 'config.json': noHidden } })), /"text_config" "hidden_size" is undefined; it must be a whole number from 1 to/);
  const badStd = { size: { height: 96, width: 96 }, do_rescale: true, rescale_factor: 1 / 255, do_normalize: true, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0, 0.5] };
  throwsFolderError(() => openModelFolder(writeModelFolderFixture({ files: { 'preprocessor_config.json': badStd } })), /image_std" has a zero/);
  const dir = writeModelFolderFixture();
  fs.writeFileSync(path.join(dir, 'config.json'), '{ not json');
  throwsFolderError(() => openModelFolder(dir), /config\.json is not valid JSON/);
});

test('video_seq_length must equal num_frames x tokens_per_frame', () => {
  const dir = writeModelFolderFixture({ files: { 'processor_config.json': { image_seq_length: 16, video_seq_length: 30, num_frames: 8 } } });
  throwsFolderError(() => openModelFolder(dir), /"video_seq_length" is 30 but num_frames x tokens_per_frame is 8 x 4/);
});

function withText(text: Record<string, unknown>): Record<string, unknown> {
  const cfg = fixtureConfig();
  return { ...cfg, text_config: { ...(cfg.text_config as object), ...text } };
}

test('sizes outside sane ranges are refused with the file, the key, the value and the range', () => {
  const cases: Array<[Record<string, unknown | null>, RegExp]> = [
    [{ 'config.json': withText({ hidden_size: 1e9 }) }, /config\.json "text_config" "hidden_size" is 1000000000; it must be a whole number from 1 to 65536/],
    [{ 'config.json': withText({ num_key_value_heads: 0 }) }, /"num_key_value_heads" is 0; it must be a whole number from 1 to 4/],
    [{ 'config.json': withText({ num_key_value_heads: 3 }) }, /"num_key_value_heads" is 3, which does not divide num_attention_heads 4/],
    [{ 'config.json': withText({ vocab_size: -5 }) }, /"vocab_size" is -5/],
    [{ 'config.json': withText({ num_hidden_layers: 2.5 }) }, /"num_hidden_layers" is 2\.5/],
    [{ 'config.json': withText({ max_position_embeddings: 16 }) }, /media take 32 tokens but .*"max_position_embeddings" is 16/],
    [{ 'config.json': { ...fixtureConfig(), image_token_index: 1e6 } }, /"image_token_index" is 1000000/],
    [{ 'processor_config.json': { image_seq_length: 1e8, video_seq_length: 32, num_frames: 8 } }, /processor_config\.json "image_seq_length" is 100000000; it must be a whole number from 1 to 65536/],
    [{ 'preprocessor_config.json': { size: { height: 1e6, width: 96 }, do_normalize: false } }, /preprocessor_config\.json "size" "height" is 1000000/],
  ];
  for (const [files, pattern] of cases) throwsFolderError(() => openModelFolder(writeModelFolderFixture({ files })), pattern);
});

test('a chat template that loops for ever, fails or does not parse is refused at load', () => {
  const template = (chat_template: string) => ({ 'tokenizer_config.json': { ...fixtureTokenizerConfig(), chat_template } });
  const cases: Array<[string, RegExp]> = [
    ['{% for i in range(100000000) %}x{% endfor %}', /"chat_template" is too costly: range\(\) would build 100000000 items/],
    ['{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}', /"chat_template" is too costly: rendering took more than \d+ (steps|ms)/],
    ["{{ raise_exception('only text') }}", /"chat_template" fails on a user turn with an image and a question \(only text\)/],
    ['{% for m in messages %}', /"chat_template" does not parse/],
  ];
  for (const [source, pattern] of cases) throwsFolderError(() => openModelFolder(writeModelFolderFixture({ files: template(source) })), pattern);
  // the fixture's own template still loads, after the refusals (nothing of the budget lingers)
  assert.equal(openModelFolder(writeModelFolderFixture()).config.model_type, 'llava');
});

test('configs and graphs that are FIFOs, devices or folders are refused before any read', { skip: process.platform === 'win32' && 'no FIFOs' }, () => {
  const fifoDir = writeModelFolderFixture({ files: { 'config.json': null } });
  const made = spawnSync('mkfifo', [path.join(fifoDir, 'config.json')]);
  if (made.status === 0) throwsFolderError(() => openModelFolder(fifoDir), /config\.json is a FIFO \(named pipe\), not a regular JSON config/);
  const zeroDir = writeModelFolderFixture({ files: { 'tokenizer.json': null } });
  fs.symlinkSync('/dev/zero', path.join(zeroDir, 'tokenizer.json'));
  throwsFolderError(() => openModelFolder(zeroDir), /tokenizer\.json is a character device, not a regular tokenizer file/);
  const graphDir = writeModelFolderFixture({ omitGraphs: ['decoder_model_merged'] });
  fs.symlinkSync('/dev/zero', path.join(graphDir, 'onnx', 'decoder_model_merged.onnx'));
  throwsFolderError(() => openModelFolder(graphDir), /decoder_model_merged\.onnx is a character device, not a regular ONNX graph/);
  const dataDir = writeModelFolderFixture();
  fs.symlinkSync('/dev/zero', path.join(dataDir, 'onnx', 'decoder_model_merged.onnx_data'));
  throwsFolderError(() => openModelFolder(dataDir), /decoder_model_merged\.onnx_data is a character device, not a regular ONNX external data file/);
  const noOnnx = writeModelFolderFixture();
  fs.rmSync(path.join(noOnnx, 'onnx'), { recursive: true });
  throwsFolderError(() => openModelFolder(noOnnx), /has no onnx\/ folder/);
});

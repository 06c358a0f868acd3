import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { ModelFolderError, eosTokenIds, openModelFolder } from './modelFolder';
import { fixtureConfig, writeModelFolderFixture } from './modelFolderFixture';

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

test('unsupported model types say why', () => {
  const cases: Array<[string, RegExp]> = [
    ['qwen2_vl', /Model type qwen2_vl is not supported yet because .*3-D \(M-RoPE\)/],
    ['idefics3', /Model type idefics3 is not supported yet because .*tiles/],
    ['smolvlm', /Model type smolvlm is not supported yet because .*tiles/],
    ['mllama', /Model type mllama is not supported yet because this runtime only knows LLaVA-style models/],
  ];
  for (const [type, pattern] of cases) {
    const dir = writeModelFolderFixture({ files: { 'config.json': { ...fixtureConfig(), model_type: type } } });
    throwsFolderError(() => openModelFolder(dir), pattern);
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
  throwsFolderError(() => openModelFolder(writeModelFolderFixture({ files: { 'config.json': noHidden } })), /"text_config" needs a number "hidden_size"/);
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

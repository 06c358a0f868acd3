import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { ErrorCodes } from '../../../protocol/errors';
import { ForwardResult, forwardRequest, loadModelRequest } from '../../../protocol/requests';
import { RSS_LIMIT_MB, assertServesAsBefore, peakRssMb, startBundledServer, within } from '../../test/support/fuzzFixture';
import { TestServer, requestError } from '../../test/support/rpcTestClient';
import { BUNDLED_MODEL, SceneImage, makeTempDir } from '../../test/support/sceneFixture';

/**
 * Broken model folders over the real server, each refused at load with badModel (as loadModel
 * and as a request's own model), naming the file, the field and the value; the loaded model
 * keeps answering exactly as before. Folders are made in a temp folder: their JSON files are
 * copies, their graphs symlinks to the bundled ones (replaced, never written through).
 */

const present = fs.existsSync(path.join(BUNDLED_MODEL, 'onnx/decoder_model_merged.onnx'));
const skip = present ? false : 'no bundled model';
/** A refusal at load takes well under a second; this bounds a case that (wrongly) hangs. */
const CASE_TIMEOUT_MS = 30_000;

const tmp = makeTempDir('rpc-models');
let server: TestServer;
let scene: SceneImage;
let reference: ForwardResult;
const outcomes = { cases: 0, refused: 0 };
before(async () => {
  if (present) ({ server, scene, reference } = await startBundledServer(tmp));
});
after(async () => {
  console.log(`broken model folders: ${outcomes.cases} cases, ${outcomes.refused} refused at load with badModel, peak RSS ${peakRssMb(server?.child.pid) ?? '?'} MB (limit ${RSS_LIMIT_MB} MB)`);
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

type Json = Record<string, unknown>;
const readJson = (name: string): Json => JSON.parse(fs.readFileSync(path.join(BUNDLED_MODEL, name), 'utf8')) as Json;
const GRAPHS = ['vision_encoder', 'video_encoder', 'embed_tokens', 'decoder_model_merged'];

interface Breakage {
  /** JSON files to rewrite: name -> edit of the bundled content. */
  json?: Record<string, (content: Json) => Json>;
  /** Graph name -> the bundled graph its link points at instead. */
  graphs?: Record<string, string>;
  /** Anything else, on the finished folder. */
  then?: (dir: string) => void;
}

let made = 0;
function brokenFolder(b: Breakage): string {
  const dir = path.join(tmp, `model-${made++}`);
  fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  for (const name of fs.readdirSync(BUNDLED_MODEL).filter((f) => f.endsWith('.json'))) {
    const content = readJson(name);
    fs.writeFileSync(path.join(dir, name), JSON.stringify(b.json?.[name]?.(content) ?? content));
  }
  for (const g of GRAPHS) fs.symlinkSync(path.join(BUNDLED_MODEL, 'onnx', `${b.graphs?.[g] ?? g}.onnx`), path.join(dir, 'onnx', `${g}.onnx`));
  b.then?.(dir);
  return dir;
}

const text = (edit: Json) => (c: Json) => ({ ...c, text_config: { ...(c.text_config as Json), ...edit } });

/** Refused both as loadModel and as a forward's own model; the loaded model still answers as before. */
async function refusedAtLoad(what: string, b: Breakage, words: RegExp): Promise<void> {
  outcomes.cases++;
  const dir = brokenFolder(b);
  for (const request of [() => server.connection.sendRequest(loadModelRequest, { dir, threads: 1 }), () => server.connection.sendRequest(forwardRequest, { model: dir, media: { image: scene.file }, question: scene.question })]) {
    const e = await within(CASE_TIMEOUT_MS, what, requestError(request()));
    assert.equal(e.code, ErrorCodes.badModel, `${what}: ${e.message}`);
    assert.match(e.message, words, what);
  }
  outcomes.refused++;
  await assertServesAsBefore(server, scene, reference, what);
}

test('graphs in the wrong places are refused by their input names', { skip }, async () => {
  await refusedAtLoad('swapped image and video encoders', { graphs: { vision_encoder: 'video_encoder', video_encoder: 'vision_encoder' } }, /vision_encoder\.onnx has no input "pixel_values" \(its inputs are pixel_values_videos\), so it is not the image encoder/);
  await refusedAtLoad('the decoder as token embedding', { graphs: { embed_tokens: 'decoder_model_merged' } }, /embed_tokens\.onnx has no input "input_ids" .*not the token embedding/);
  await refusedAtLoad('the image encoder as decoder', { graphs: { decoder_model_merged: 'vision_encoder' } }, /decoder_model_merged\.onnx (has no input "attention_mask" .*not the decoder|cannot be instrumented: the graph has no "inputs_embeds" input \(inputs: pixel_values\): this is not a decoder)/);
});

test('sizes out of range, or not those of the graphs, are refused with the field and the value', { skip }, async () => {
  await refusedAtLoad('hidden_size 1e9', { json: { 'config.json': text({ hidden_size: 1e9 }) } }, /config\.json "text_config" "hidden_size" is 1000000000; it must be a whole number from 1 to 65536/);
  await refusedAtLoad('num_key_value_heads 0', { json: { 'config.json': text({ num_key_value_heads: 0 }) } }, /"num_key_value_heads" is 0; it must be a whole number from 1 to 4/);
  await refusedAtLoad('image_seq_length 1e8', { json: { 'processor_config.json': (c) => ({ ...c, image_seq_length: 1e8 }) } }, /processor_config\.json "image_seq_length" is 100000000/);
  await refusedAtLoad('image_seq_length 1e8 in config.json', { json: { 'config.json': (c) => ({ ...c, image_seq_length: 1e8 }) } }, /config\.json "image_seq_length" is 100000000/);
  await refusedAtLoad('a preprocessor size of 1e6', { json: { 'preprocessor_config.json': (c) => ({ ...c, size: { height: 1e6, width: 1e6 } }) } }, /preprocessor_config\.json "size" "height" is 1000000/);
  await refusedAtLoad('max_position_embeddings below the image tokens', { json: { 'config.json': text({ max_position_embeddings: 8 }) } }, /media take \d+ tokens but .*"max_position_embeddings" is 8/);
  await refusedAtLoad('hidden_size 64 against graphs of 128', { json: { 'config.json': text({ hidden_size: 64, head_dim: 16 }) } }, /has size 128 on axis 2 .*but config\.json "text_config" "hidden_size" is 64/);
  await refusedAtLoad('vocab_size 100 against logits of 56', { json: { 'config.json': text({ vocab_size: 100 }) } }, /output "logits" has size 56 on axis 2 .*"vocab_size" is 100/);
  await refusedAtLoad('num_hidden_layers 3 against a 6-layer cache', { json: { 'config.json': text({ num_hidden_layers: 3 }) } }, /past_key_values inputs but config\.json describes 3 layers/);
  await refusedAtLoad('the image token beyond the vocabulary', { json: { 'config.json': (c) => ({ ...c, image_token_index: 5000 }) } }, /config\.json "image_token_index" is 5000; it must be a whole number from 0 to 55/);
});

test('chat templates that loop for ever or do not parse are refused at load', { skip }, async () => {
  const template = (chat_template: string) => ({ json: { 'tokenizer_config.json': (c: Json) => ({ ...c, chat_template }) } });
  await refusedAtLoad('a 1e8-iteration loop', template('{% for i in range(100000000) %}{{ i }}{% endfor %}'), /"chat_template" is too costly: range\(\) would build 100000000 items/);
  await refusedAtLoad('nested loops of 1e8 iterations', template('{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}'), /"chat_template" is too costly: rendering took more than/);
  await refusedAtLoad('a template that does not parse', template('{% if messages %}'), /"chat_template" does not parse/);
});

test('model files that are FIFOs or devices are refused before any read', { skip }, async () => {
  const fifoConfig: Breakage = {
    then: (dir) => {
      fs.rmSync(path.join(dir, 'config.json'));
      assert.equal(spawnSync('mkfifo', [path.join(dir, 'config.json')]).status, 0, 'mkfifo');
    },
  };
  await refusedAtLoad('config.json as a FIFO', fifoConfig, /config\.json is a FIFO \(named pipe\), not a regular JSON config/);
  const zeroTokenizer: Breakage = { then: (dir) => (fs.rmSync(path.join(dir, 'tokenizer.json')), fs.symlinkSync('/dev/zero', path.join(dir, 'tokenizer.json'))) };
  await refusedAtLoad('tokenizer.json linked to /dev/zero', zeroTokenizer, /tokenizer\.json is a character device, not a regular tokenizer file/);
  const zeroGraph: Breakage = { then: (dir) => (fs.rmSync(path.join(dir, 'onnx/decoder_model_merged.onnx')), fs.symlinkSync('/dev/zero', path.join(dir, 'onnx/decoder_model_merged.onnx'))) };
  await refusedAtLoad('the decoder linked to /dev/zero', zeroGraph, /decoder_model_merged\.onnx is a character device, not a regular ONNX graph/);
  const fifoData: Breakage = { then: (dir) => assert.equal(spawnSync('mkfifo', [path.join(dir, 'onnx/decoder_model_merged.onnx_data')]).status, 0, 'mkfifo') };
  await refusedAtLoad('external data as a FIFO', fifoData, /decoder_model_merged\.onnx_data is a FIFO \(named pipe\), not a regular ONNX external data file/);
});

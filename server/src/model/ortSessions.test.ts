import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { drawClip, drawScene } from '../dataset/trainingMixture';
import { SeededRandom } from '../scenes/random';
import { renderClip, renderScene } from '../scenes/renderScene';
import { ModelFolderError, openModelFolder } from './modelFolder';
import { writeModelFolderFixture } from '../../test/support/modelFolderFixture';
import { VisionLanguageModel } from './visionLanguageModel';
import { OrtSessions, argmax, lastPosition, logSoftmax } from './ortSessions';

/**
 * End to end against the bundled export (models/tiny-spatial-vlm, or SPATIAL_ID_LENS_MODEL),
 * skipped when the folder has no onnx/ yet.
 */

const MODEL_DIR = process.env.SPATIAL_ID_LENS_MODEL ?? path.resolve(__dirname, '../../../../models/tiny-spatial-vlm');
const skip = fs.existsSync(path.join(MODEL_DIR, 'onnx', 'decoder_model_merged.onnx')) ? false : `no exported model in ${MODEL_DIR}`;
/** float32 logits from a cached and an uncached pass differ only by summation order. */
const LOGIT_TOLERANCE = 1e-3;

let model: VisionLanguageModel;
before(async () => {
  if (!skip) model = await VisionLanguageModel.load(MODEL_DIR);
});
after(async () => {
  await model?.dispose();
});

async function sceneMedia() {
  const scene = drawScene(SeededRandom.derive(7, 0));
  return model.encodeImage(await renderScene(scene));
}

test('prefill gives logits [1, seq, vocab] and a cache of the prompt length', { skip }, async () => {
  const media = await sceneMedia();
  const { prompt, embeds } = await model.promptEmbeds('Where is the red star?', media);
  const { logits, lastLogits, cache } = await model.session.prefill(embeds, prompt.ids);
  const vocab = model.folder.config.text_config.vocab_size;
  assert.deepEqual(logits.dims, [1, prompt.ids.length, vocab]);
  assert.equal(lastLogits.length, vocab);
  assert.ok(lastLogits.every(Number.isFinite));
  assert.equal(cache.length, prompt.ids.length);
  const text = model.folder.config.text_config;
  const key0 = cache.tensors['past_key_values.0.key'];
  assert.deepEqual(key0.dims, [1, text.num_key_value_heads ?? text.num_attention_heads, prompt.ids.length, text.head_dim ?? text.hidden_size / text.num_attention_heads]);
});

test('greedy decoding with the KV cache matches full uncached forwards, token by token', { skip }, async () => {
  const media = await sceneMedia();
  const { prompt, embeds } = await model.promptEmbeds('Is the red star to the left or right of the blue ring?', media);
  const n = prompt.ids.length;
  const { ids, firstLogits } = await model.session.continueGreedy(await model.session.prefill(embeds, prompt.ids), 5);
  assert.ok(ids.length >= 1);
  for (let k = 0; k < ids.length; k++) {
    // The whole sequence so far, through the decoder from an empty past.
    const extra = k ? await model.session.embed(ids.slice(0, k)) : new Float32Array(0);
    const full = new Float32Array(embeds.length + extra.length);
    full.set(embeds);
    full.set(extra, embeds.length);
    const { logits } = await model.session.decode(full, [...prompt.ids, ...ids.slice(0, k)], null);
    assert.deepEqual(logits.dims.slice(0, 2), [1, n + k]);
    const last = lastPosition(logits);
    assert.equal(argmax(last), ids[k], `token ${k}: cached ${ids[k]}, uncached ${argmax(last)}`);
    if (k === 0) {
      const worst = firstLogits.reduce((m, v, i) => Math.max(m, Math.abs(v - last[i])), 0);
      assert.ok(worst < LOGIT_TOLERANCE, `first-step logits differ by ${worst}`);
    }
  }
  // And one cached step's logits equal the uncached ones at the same position.
  if (ids.length >= 2 && !model.session.isEos(ids[0])) {
    const pre = await model.session.prefill(embeds, prompt.ids);
    const step = await model.session.decode(await model.session.embed([ids[0]]), [ids[0]], pre.cache);
    const extra = await model.session.embed([ids[0]]);
    const full = new Float32Array(embeds.length + extra.length);
    full.set(embeds);
    full.set(extra, embeds.length);
    const uncached = lastPosition((await model.session.decode(full, [...prompt.ids, ids[0]], null)).logits);
    const cached = lastPosition(step.logits);
    const worst = cached.reduce((m, v, i) => Math.max(m, Math.abs(v - uncached[i])), 0);
    assert.ok(worst < LOGIT_TOLERANCE, `second-step logits differ by ${worst}`);
  }
});

test('the log-softmax of the first answer position is a distribution over the vocabulary', { skip }, async () => {
  const media = await sceneMedia();
  const { prompt, embeds } = await model.promptEmbeds('Is the red star above or below the blue ring?', media);
  const { lastLogits } = await model.session.prefill(embeds, prompt.ids);
  const lp = logSoftmax(lastLogits);
  const total = lp.reduce((s, v) => s + Math.exp(v), 0);
  assert.ok(Math.abs(total - 1) < 1e-9, `probabilities sum to ${total}`);
  assert.ok(lp.every((v) => v <= 0));
  assert.equal(argmax(lp), argmax(lastLogits), 'the shift keeps the order');
});

test('a clip encodes to video_seq_length features', { skip }, async () => {
  const clip = drawClip(SeededRandom.derive(7, 1));
  const media = await model.encodeClip(await renderClip(clip));
  assert.equal(media.features.video?.length, (model.folder.processor.video_seq_length ?? 0) * model.session.hiddenSize);
  const { prompt } = await model.promptEmbeds('Does the red star appear before or after the blue ring?', media);
  assert.equal(prompt.tokens.filter((t) => t.kind === 'video').length, model.folder.processor.video_seq_length);
});

test('a disposed session refuses to run', { skip }, async () => {
  const other = await VisionLanguageModel.load(MODEL_DIR);
  await other.dispose();
  await assert.rejects(other.session.embed([1]), /disposed/);
});

test('a damaged graph file is a clear error naming the file', async () => {
  const folder = openModelFolder(writeModelFolderFixture()); // its onnx/ files are empty
  await assert.rejects(OrtSessions.open(folder), (e: unknown) => {
    assert.ok(e instanceof ModelFolderError);
    assert.match(e.message, /onnxruntime could not load .*\.onnx .*re-export it/);
    return true;
  });
});

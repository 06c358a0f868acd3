import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { ErrorCodes } from '../../../protocol/errors';
import { clipQuestions, drawClip, drawScene, sceneQuestions } from '../dataset/trainingMixture';
import { VisionLanguageModel } from '../model/visionLanguageModel';
import { logSoftmax } from '../model/ortSessions';
import { SeededRandom } from '../scenes/random';
import { renderClip, renderScene } from '../scenes/renderScene';
import { ModelRunner } from './modelRunner';

/**
 * Answers through the run API, the one path every caller takes (panel, palette, CLI and
 * eval-model): greedy answers equal those of the plain, uninstrumented decoder; answer
 * log-probabilities are the log-softmax of the first answer position at each word's first
 * sub-token; a word outside the vocabulary is refused by name. Against the bundled model,
 * skipped when its folder has no onnx/ yet.
 */

const MODEL_DIR = path.resolve(__dirname, '../../../../models/tiny-spatial-vlm');
const skip = fs.existsSync(path.join(MODEL_DIR, 'onnx', 'decoder_model_merged.onnx')) ? false : `no exported model in ${MODEL_DIR}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sil-answers-'));

let runner: ModelRunner;
let plain: VisionLanguageModel;
before(async () => {
  if (skip) return;
  runner = await ModelRunner.load(MODEL_DIR, { cacheDir: path.join(tmp, 'cache') });
  plain = await VisionLanguageModel.load(MODEL_DIR);
});
after(async () => {
  await runner?.dispose();
  await plain?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The greedy answer of the uninstrumented decoder, as eval-model answered before it used the run API. */
async function plainAnswer(question: string, media: Awaited<ReturnType<VisionLanguageModel['encodeImage']>>, maxNewTokens: number): Promise<string> {
  const { prompt, embeds, positions } = await plain.promptEmbeds(question, media);
  const { ids } = await plain.session.continueGreedy(await plain.session.prefill(embeds, prompt.ids, undefined, positions), maxNewTokens, undefined, positions);
  return plain.decode(ids).trim();
}

test('forward answers scenes and clips as the plain decoder does, word for word', { skip }, async () => {
  let compared = 0;
  for (let i = 0; i < 6; i++) {
    const rng = SeededRandom.derive(11, i);
    const scene = drawScene(rng);
    const image = await renderScene(scene);
    const [forRun, forPlain] = [await runner.encode({ pixels: image }), await plain.encodeImage(image)];
    for (const qa of sceneQuestions(rng, scene)) {
      const run = await runner.forward({ media: { encoded: forRun }, question: qa.question, maxNewTokens: 8 });
      assert.equal(run.answer, await plainAnswer(qa.question, forPlain, 8), qa.question);
      compared++;
    }
  }
  const rng = SeededRandom.derive(11, 100);
  const clip = drawClip(rng);
  const frames = await renderClip(clip);
  const [forRun, forPlain] = [await runner.encode({ frames }), await plain.encodeClip(frames)];
  for (const qa of clipQuestions(rng, clip)) {
    const run = await runner.forward({ media: { encoded: forRun }, question: qa.question, maxNewTokens: 8 });
    assert.equal(run.tokens.filter((t) => t.kind === 'video').length, runner.model.folder.processor.video_seq_length);
    assert.equal(run.answer, await plainAnswer(qa.question, forPlain, 8), qa.question);
    compared++;
  }
  assert.ok(compared >= 10, `only ${compared} questions compared`);
});

test("answer log-probabilities are the first answer position's log-softmax at each word's first sub-token", { skip }, async () => {
  const image = await renderScene(drawScene(SeededRandom.derive(11, 0)));
  const question = 'Is the red star above or below the blue ring?';
  const run = await runner.forward({ media: { pixels: image }, question, maxNewTokens: 1 });
  assert.deepEqual(Object.keys(run.logprobs), ['above', 'below'], 'the words around "or" in the question');
  const vocab = runner.model.folder.config.text_config.vocab_size;
  const lp = logSoftmax(run.logits.subarray(run.logits.length - vocab));
  for (const [word, value] of Object.entries(run.logprobs)) {
    const id = runner.model.encodeText(` ${word}`)[0];
    assert.equal(value, lp[id], word);
  }
  assert.ok(Math.exp(run.logprobs.above) + Math.exp(run.logprobs.below) <= 1 + 1e-12);
  const chosen = await runner.forward({ media: { pixels: image }, question, answers: ['left', 'right'], maxNewTokens: 1 });
  assert.deepEqual(Object.keys(chosen.logprobs), ['left', 'right'], 'answers given replace the words of the question');
});

test('an answer word outside the vocabulary is refused with badQuestion naming it', { skip }, async () => {
  const image = await renderScene(drawScene(SeededRandom.derive(11, 0)));
  await assert.rejects(runner.forward({ media: { pixels: image }, question: 'Is the red star above or below the blue ring?', answers: ['above', 'banana'], maxNewTokens: 1 }), (e: unknown) => {
    assert.equal((e as { code?: number }).code, ErrorCodes.badQuestion);
    assert.match((e as Error).message, /"banana" is not in this model's vocabulary/);
    return true;
  });
});

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { BUNDLED_MODEL, makeTempDir } from '../../test/support/sceneFixture';
import { logSoftmax } from '../model/ortSessions';
import { ModelRunner } from '../run/modelRunner';
import { renderScene } from '../scenes/renderScene';
import { DEFAULT_BACKGROUND, cellCentre } from '../scenes/scene';
import { deriveIds, steer } from './analysisRequests';
import { WHOLE_ANSWER_TOKENS } from './answerScores';

/**
 * Whole answers on the bundled model: the teacher-forced score of a generated answer is the one
 * its greedy generation gives (checked against decoding it one token at a time), and a grounding
 * steer compares and scores whole answers ("row 1 column 4"), not their first word ("row").
 */

const skip = fs.existsSync(path.join(BUNDLED_MODEL, 'onnx/decoder_model_merged.onnx')) ? false : 'no bundled model';
const tmp = makeTempDir('answer-scores');
let runner: ModelRunner;
let picture: string;
const QUESTION = 'Where is the purple heart?';

before(async () => {
  if (skip) return;
  runner = await ModelRunner.load(BUNDLED_MODEL, { cacheDir: path.join(tmp, 'cache') });
  const at = (colour: 'purple' | 'orange', shape: 'heart' | 'diamond', col: number, row: number) => ({ colour, shape, size: 18, ...cellCentre(col, row) });
  const img = await renderScene({ width: 96, height: 96, background: DEFAULT_BACKGROUND, oneObjectPerCell: true, objects: [at('purple', 'heart', 3, 0), at('orange', 'diamond', 0, 3)] });
  picture = path.join(tmp, 'scene.png');
  await sharp(Buffer.from(img.data), { raw: { width: 96, height: 96, channels: 3 } }).png().toFile(picture);
});
after(async () => {
  await runner?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('whole answers on the bundled model', { skip }, () => {
  test('the teacher-forced log P of a generated answer is the sum its token-by-token decoding gives', async () => {
    const run = await runner.forward({ media: { image: picture }, question: QUESTION, answers: [], maxNewTokens: WHOLE_ANSWER_TOKENS });
    assert.ok(run.answer.split(' ').length >= 4, `a grounding answer of several words: "${run.answer}"`);
    assert.ok(run.answerIds.length >= 4);
    // reference: feed the answer one token at a time after the prompt (the KV cache path generation takes)
    const session = runner.model.session;
    const prompt = await runner.forward({ media: { image: picture }, question: QUESTION, answers: [], maxNewTokens: 1 });
    let expected = logSoftmax(lastRow(prompt.logits, prompt.tokens.length))[run.answerIds[0]];
    const prepared = await runner.model.promptEmbeds(QUESTION, await runner.encode({ image: picture }));
    let step = await session.prefill(prepared.embeds, prepared.prompt.ids, () => runner.deltas(prepared.prompt.ids.length).zeroFeeds(), prepared.positions);
    let cache = step.cache;
    for (let k = 1; k < run.answerIds.length; k++) {
      const id = run.answerIds[k - 1];
      const next = await session.decode(await session.embed([id]), [id], cache, () => runner.deltas(1).zeroFeeds(), prepared.positions);
      cache = next.cache;
      expected += logSoftmax(next.logits.data as Float32Array)[run.answerIds[k]];
    }
    const [scored] = await runner.scoreAnswers(run, [run.answerIds]);
    // float32 logits summed in float64: agreement to 1e-3 over a handful of tokens
    assert.ok(Math.abs(scored - expected) < 1e-3, `teacher-forced ${scored} vs token by token ${expected}`);
    assert.ok(scored <= 0);
    const [first] = await runner.scoreAnswers(run, [run.answerIds.slice(0, 1)]);
    assert.ok(Math.abs(first - run.logprobs[run.answer.split(' ')[0]]) < 1e-4, "a one-token answer scores as the first answer word's log P");
    assert.deepEqual(await runner.scoreAnswers(run, [[]]), [0]);
  });

  test('a grounding steer compares whole answers and scores each under every run', async () => {
    const bank = path.join(tmp, 'bank.safetensors');
    await deriveIds(runner, { objects: ['purple heart', 'orange diamond'], sizes: [18], out: bank, calibrationItems: 0 }, 'spatial');
    const r = await steer(runner, { bank, media: { image: picture }, question: QUESTION, object: 'purple heart', targetCell: 12, layers: [2, 3], factor: 5 });
    const s = r.single!;
    assert.equal(s.changedBy, 'wholeAnswer');
    assert.equal(s.flipped, s.answerAfter !== s.answerBefore, 'changed means the whole answer changed');
    assert.equal(s.flippedNoise, s.answerNoise !== s.answerBefore);
    for (const a of [s.answerBefore, s.answerAfter, s.answerNoise]) assert.match(a, /^row \d column \d$/, 'whole grounding answers');
    const answers = s.wholeAnswers!;
    assert.deepEqual(answers.map((a) => a.text), [...new Set([s.answerBefore, s.answerAfter, s.answerNoise])]);
    const of = (text: string) => answers.find((a) => a.text === text)!;
    assert.ok(of(s.answerBefore).generatedBy.includes('before') && of(s.answerAfter).generatedBy.includes('steered') && of(s.answerNoise).generatedBy.includes('noise'));
    for (const a of answers) for (const v of Object.values(a.logprob)) assert.ok(Number.isFinite(v) && v <= 0, `${a.text}: log P ${v}`);
    if (s.flipped) assert.ok(of(s.answerAfter).logprob.steered > of(s.answerAfter).logprob.before, 'the steered answer gained probability under steering');
  });
});

function lastRow(logits: Float32Array, seq: number): Float32Array {
  const vocab = logits.length / seq;
  return logits.subarray((seq - 1) * vocab, seq * vocab);
}

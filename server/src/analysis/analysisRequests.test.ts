import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { ErrorCodes } from '../../../protocol/errors';
import { ModelRunner } from '../run/modelRunner';
import { renderScene } from '../scenes/renderScene';
import { DEFAULT_BACKGROUND } from '../scenes/scene';
import { deriveIds, sweepPatches, probe, steer } from './analysisRequests';
import { loadIdBank } from './idBank';

/**
 * One small end-to-end run of each analysis on the bundled model (two objects, one size: fast),
 * and the wrong inputs: a bank of another model, a grid too fine for the objects, an unknown
 * object word. The numbers themselves are checked by the math tests and reported by the CLI.
 */

const ROOT = path.resolve(__dirname, '../../../..');
const MODEL = path.join(ROOT, 'models/tiny-spatial-vlm');
const RANDOM = path.join(ROOT, 'models/tiny-spatial-vlm-random-init');
const skip = fs.existsSync(path.join(MODEL, 'onnx/decoder_model_merged.onnx')) && fs.existsSync(path.join(RANDOM, 'config.json')) ? false : 'no bundled models';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sil-analysis-'));
const SMALL = { objects: ['red circle', 'blue square'], sizes: [14] };

let runner: ModelRunner;
let bankFile: string;
let sceneFile: string;
before(async () => {
  if (skip) return;
  runner = await ModelRunner.load(MODEL, { cacheDir: path.join(tmp, 'cache') });
  bankFile = path.join(tmp, 'bank.safetensors');
});
after(async () => {
  await runner?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const hasCode = (code: number, words: RegExp) => (e: unknown) => (e as { code?: number }).code === code && words.test((e as Error).message);

describe('analyses end to end on the bundled model', { skip }, () => {
  test('derive-ids writes a bank whose views cover every layer, with the random-init baseline beside', async () => {
    const summary = await deriveIds(runner, { ...SMALL, out: bankFile, baseline: RANDOM }, 'spatial', {}, { loadModel: (d) => ModelRunner.load(d, { cacheDir: path.join(tmp, 'cache') }) });
    assert.equal(summary.layers.length, runner.numLayers + 1);
    assert.equal(summary.cells.length, 16);
    assert.equal(summary.baselineLatticeScores?.length, runner.numLayers + 1);
    assert.ok(summary.layers.slice(1).every((v) => v.latticeScore >= -1 && v.latticeScore <= 1 && v.pca.projections.length === 16 && v.cosine.length === 16));
    assert.ok(summary.bestLayer >= 1 && summary.bestLayer <= runner.numLayers);
    const bank = loadIdBank(bankFile);
    assert.equal(bank.universal[3].length, 16, 'one row per cell at the one size');
    assert.equal(bank.meta.decoderHash, runner.decoderHash);
    await assert.rejects(deriveIds(runner, { ...SMALL, out: bankFile }, 'spatial'), /exists already/, 'never writes over a file');
  });

  test('probe reads a heatmap per layer and object from the saved bank', async () => {
    const file = (sceneFile = path.join(tmp, 'scene.png'));
    const img = await renderScene({ width: 96, height: 96, background: DEFAULT_BACKGROUND, oneObjectPerCell: true, objects: [{ colour: 'red', shape: 'circle', x: 12, y: 12, size: 14 }, { colour: 'blue', shape: 'square', x: 84, y: 60, size: 14 }] });
    await sharp(Buffer.from(img.data), { raw: { width: 96, height: 96, channels: 3 } }).png().toFile(file);
    const r = await probe(runner, { bank: bankFile, media: { image: file }, question: 'Is the red circle to the left or right of the blue square?' });
    assert.deepEqual(r.objects.map((o) => o.object), ['red circle', 'blue square']);
    for (const o of r.objects) {
      assert.equal(o.similarity.length, runner.numLayers + 1);
      assert.ok(o.similarity[4].every((v) => v >= -1 && v <= 1) && o.similarity[4].length === 16);
    }
    assert.ok(['left', 'right'].includes(r.answer));
  });

  test('steer: a batch gives flip rates with intervals for steering and noise; one input gives before/after/noise', async () => {
    const batch = await steer(runner, { bank: bankFile, batch: 3, bands: [[3], [2, 3]], seed: 5 });
    assert.equal(batch.perLayer?.length, 2);
    for (const b of batch.perLayer!) {
      assert.ok(b.steering.n > 0 && b.steering.low <= b.steering.rate && b.steering.rate <= b.steering.high);
      assert.ok(b.noise.rate >= 0 && b.noise.rate <= 1);
    }
    const again = await steer(runner, { bank: bankFile, batch: 3, bands: [[3], [2, 3]], seed: 5 });
    assert.deepEqual(again, batch, 'same params, same numbers');

    const question = 'Is the red circle to the left or right of the blue square?';
    const single = (await steer(runner, { bank: bankFile, media: { image: sceneFile }, question, object: 'red circle', targetCell: 15, layers: [2, 3], opposite: true })).single!;
    for (const answer of [single.answerBefore, single.answerAfter, single.answerNoise]) assert.ok(['left', 'right'].includes(answer));
    assert.equal(single.flipped, single.answerAfter !== single.answerBefore);
    // two objects x two layers of applied additions, each rescaled to 5 x the state's norm (nonzero)
    assert.equal(single.interventions?.length, 4);
    assert.ok(single.interventions!.every((iv) => iv.vector.length === runner.hiddenSize && iv.vector.some((v) => v !== 0)));
    // the cell the object is read at now, as the target: no direction to move in, a clear refusal
    const read = await probe(runner, { bank: bankFile, media: { image: sceneFile }, question, objects: ['red circle'] });
    const here = read.objects[0].argmax[2];
    await assert.rejects(
      steer(runner, { bank: bankFile, media: { image: sceneFile }, question, object: 'red circle', targetCell: here, layers: [2, 3] }),
      hasCode(ErrorCodes.badRequest, new RegExp(`already read at cell ${here}.*choose another target cell`)),
    );
  });

  test('sweep-patches: per layer, the three token groups and the attribute control', async () => {
    const r = await sweepPatches(runner, { batch: 2, seed: 3 });
    assert.deepEqual(r.layers, [0, 1, 2, 3, 4, 5, 6]);
    for (const g of ['image', 'text', 'objects'] as const) assert.equal(r.groups[g].mean.length, 7);
    assert.ok(r.control, 'batch items carry the attribute-swap control');
    // at layer 0 the image tokens are the whole difference between the input and its mirror (float32 noise: 1e-3)
    assert.ok(Math.abs(r.groups.image.mean[0] - 1) < 1e-3, `layer 0 image shift ${r.groups.image.mean[0]}`);
  });

  test('derive-tids gives one temporal ID per frame', async () => {
    const summary = await deriveIds(runner, { objects: SMALL.objects }, 'temporal');
    assert.equal(summary.kind, 'temporal');
    assert.equal(summary.cells.length, runner.model.folder.processor.num_frames);
  });

  test('wrong inputs: a bank of another model, a grid too fine, an unknown object word', async () => {
    const other = await ModelRunner.load(RANDOM, { cacheDir: path.join(tmp, 'cache') });
    try {
      await assert.rejects(steer(other, { bank: bankFile, batch: 1 }), hasCode(ErrorCodes.wrongBank, /derived from .*not from/));
    } finally {
      await other.dispose();
    }
    await assert.rejects(deriveIds(runner, { grid: 8, sizes: [14] }, 'spatial'), hasCode(ErrorCodes.badRequest, /too small for objects of 14 px/));
    await assert.rejects(deriveIds(runner, { objects: ['red circle', 'violet blob'] }, 'spatial'), hasCode(ErrorCodes.badQuestion, /Unknown object word "violet blob"/));
  });
});

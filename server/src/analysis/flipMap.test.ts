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
import { deriveIds, steer } from './analysisRequests';
import { flipMap } from './flipMap';

/**
 * The flip map on the bundled model with a small bank (two objects, one size): one entry per
 * cell, the read cell unsteered, each steered cell the same outcome as a single steer to it (the
 * shared clean run and prefix reuse must not change a number), and cancellation between cells.
 */

const ROOT = path.resolve(__dirname, '../../../..');
const MODEL = path.join(ROOT, 'models/tiny-spatial-vlm');
const skip = fs.existsSync(path.join(MODEL, 'onnx/decoder_model_merged.onnx')) ? false : 'no bundled model';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sil-flipmap-'));
const question = 'Is the red circle to the left or right of the blue square?';

let runner: ModelRunner;
let bankFile: string;
let sceneFile: string;
before(async () => {
  if (skip) return;
  runner = await ModelRunner.load(MODEL, { cacheDir: path.join(tmp, 'cache') });
  bankFile = path.join(tmp, 'bank.safetensors');
  await deriveIds(runner, { objects: ['red circle', 'blue square'], sizes: [14], out: bankFile, calibrationItems: 0 }, 'spatial');
  sceneFile = path.join(tmp, 'scene.png');
  const img = await renderScene({ width: 96, height: 96, background: DEFAULT_BACKGROUND, oneObjectPerCell: true, objects: [{ colour: 'red', shape: 'circle', x: 12, y: 12, size: 14 }, { colour: 'blue', shape: 'square', x: 84, y: 60, size: 14 }] });
  await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toFile(sceneFile);
});
after(async () => {
  await runner?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('flip map on the bundled model', { skip }, () => {
  test('one entry per cell; the read cell unsteered; each steered cell agrees with a single steer to it', async () => {
    const progress: number[] = [];
    const r = await flipMap(runner, { bank: bankFile, media: { image: sceneFile }, question, object: 'red circle', layers: [2], factor: 3 }, { progress: (_m, f) => progress.push(f ?? -1) });
    assert.equal(r.results.length, 16);
    assert.equal(r.cells.length, 16);
    assert.deepEqual(r.answers, ['left', 'right']);
    assert.equal(r.factorSource, 'request');
    const read = r.results[r.sourceCell];
    assert.equal(read.steered, false);
    assert.equal(read.preferred, r.preferredBefore);
    assert.equal(r.results.filter((c) => c.steered).length, 15);
    assert.ok(progress.length >= 2 && progress[progress.length - 1] === 1, `progress reaches 1 (got ${progress.join(', ')})`);
    // the same request as the panel's click-to-steer on two cells: identical log-probabilities (float32 noise only)
    for (const target of [0, 15].filter((c) => c !== r.sourceCell)) {
      const single = (await steer(runner, { bank: bankFile, media: { image: sceneFile }, question, object: 'red circle', targetCell: target, layers: [2], factor: 3, seed: 1 + target })).single!;
      for (const w of r.answers) {
        assert.ok(Math.abs(single.logprobsAfter[w] - r.results[target].logprobs[w]) < 1e-4, `cell ${target} log P(${w}): steer ${single.logprobsAfter[w]} vs flip map ${r.results[target].logprobs[w]}`);
        assert.ok(Math.abs(single.logprobsNoise[w] - r.results[target].logprobsNoise[w]) < 1e-4, `cell ${target} noise log P(${w})`);
      }
      assert.equal(single.flipped, r.results[target].flipped);
    }
  });

  test('a question without two answer words is refused, naming the fix', async () => {
    await assert.rejects(flipMap(runner, { bank: bankFile, media: { image: sceneFile }, question: 'Where is the red circle?', object: 'red circle' }), (e: unknown) => (e as { code?: number }).code === ErrorCodes.badRequest && /give answers/.test((e as Error).message));
  });

  test('cancelled between cells', async () => {
    let cells = 0;
    await assert.rejects(
      flipMap(runner, { bank: bankFile, media: { image: sceneFile }, question, object: 'red circle', layers: [2], factor: 3 }, { progress: () => cells++, isCancelled: () => cells > 3 }),
      (e: unknown) => (e as Error).name === 'CancelledError' || /cancel/i.test((e as Error).message),
    );
  });
});

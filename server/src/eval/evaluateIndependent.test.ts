import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { ModelRunner } from '../run/modelRunner';
import { evaluateIndependent, independentSummary } from './evaluateIndependent';
import { BACKGROUND_NAMES, LIGHTNESS_BANDS, drawIndependentPicture, renderIndependentPicture } from './independentPictures';

/** The independent set through the bundled model: finite figures per band and relation, counted as the model answers. Skipped without an exported model. */

const MODEL_DIR = path.resolve(__dirname, '../../../../models/tiny-spatial-vlm');
const skip = fs.existsSync(path.join(MODEL_DIR, 'onnx', 'decoder_model_merged.onnx')) ? false : `no exported model in ${MODEL_DIR}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sil-independent-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('12 pictures on the bundled model: every band, relation and background tallied with finite accuracy', { skip }, async () => {
  const runner = await ModelRunner.load(MODEL_DIR, { cacheDir: path.join(tmp, 'cache') });
  try {
    const seed = 5;
    const report = await evaluateIndependent(runner, { pictures: 12, seed });
    assert.equal(report.overall.n, 12);
    // the first 12 pictures are the six backgrounds x the two relations
    assert.deepEqual([report.relations.leftRight.n, report.relations.aboveBelow.n], [6, 6]);
    assert.deepEqual(LIGHTNESS_BANDS.map((b) => report.bands[b].n), [6, 2, 4]);
    assert.deepEqual(BACKGROUND_NAMES.map((b) => report.backgrounds[b].n), [2, 2, 2, 2, 2, 2]);
    for (const b of LIGHTNESS_BANDS) {
      const t = report.bands[b];
      assert.ok(Number.isFinite(t.accuracy) && t.accuracy >= 0 && t.accuracy <= 1, `${b}: ${t.accuracy}`);
      assert.equal(t.relations.leftRight.n + t.relations.aboveBelow.n, t.n);
    }
    // the tallies are the model's answers: recount them one by one
    let right = 0;
    for (let i = 0; i < 12; i++) {
      const p = drawIndependentPicture(seed, i);
      const run = await runner.forward({ media: { pixels: await renderIndependentPicture(p) }, question: p.question, maxNewTokens: 8 });
      if (run.answer === p.answer) right++;
    }
    assert.equal(Math.round(report.overall.accuracy * 12), right);
    const bandRight = LIGHTNESS_BANDS.reduce((s, b) => s + report.bands[b].accuracy * report.bands[b].n, 0);
    assert.equal(Math.round(bandRight), right);
    assert.ok(independentSummary(report).some((line) => line.startsWith('  dark backgrounds: ')));
  } finally {
    await runner.dispose();
  }
});

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ModelRunner, RunOutput } from '../../run/modelRunner';
import { makeTempDir } from '../../../test/support/sceneFixture';
import {
  PHOTO,
  PHOTO_MIRRORED,
  TWINS,
  TWINS_DIR,
  Twin,
  TwinReference,
  lastRow,
  maxAbs,
  maxAbsDiff,
  readTwinReference,
  referenceLayer,
  skipUnlessPresent,
  twinPresent,
  whereMaxDiff,
} from '../../../test/support/twinFixtures';

/**
 * The real families end to end through the run API, against PyTorch: each twin (a tiny
 * random-weight export in its family's exact layout) run by ModelRunner on photo.png must give
 * the prompt ids, residual stream, logits, steered and patched logits and greedy answer that
 * the PyTorch model it was exported from gave (test/fixtures/twins/<twin>.reference.safetensors).
 *
 * Tolerances (the issue's bounds): logits 1e-4 absolute; a residual layer within
 * max(1e-4, 1e-6 x that layer's largest |value|), because float32 kernels sum in another order
 * in onnxruntime than in PyTorch and the error grows with the size of the values summed
 * (Gemma's embeddings are scaled by sqrt(hidden), so its residuals run larger than the others').
 */

const LOGIT_TOLERANCE = 1e-4;
const residualTolerance = (layer: Float32Array) => Math.max(1e-4, 1e-6 * maxAbs(layer));

const cacheDir = makeTempDir('twins-graphs');
after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

for (const twin of TWINS) {
  if (!twinPresent(twin)) {
    test(`${twin.name} twin against PyTorch`, { skip: skipUnlessPresent(twin) }, () => {});
    continue;
  }
  // Read as the tests are declared (a few hundred KB): the per-layer tests need the layer count.
  const ref: TwinReference = readTwinReference(twin);
  const layerCount = ref.hiddenStates.shape[0];
  describe(`${twin.name} twin against PyTorch`, () => {
    let runner: ModelRunner;
    let clean: RunOutput;
    before(async () => {
      runner = await ModelRunner.load(twin.dir, { cacheDir, threads: 1 });
      clean = await runner.forward({ media: { image: PHOTO }, question: ref.question, capture: { layers: 'all', positions: 'all' }, maxNewTokens: ref.generatedIds.length });
    });
    after(async () => runner?.dispose());

    test('prompt ids equal the reference input_ids', () => {
      assert.deepEqual(clean.prompt.ids, ref.inputIds);
      assert.equal(runner.info().family, twin.family);
    });

    for (let l = 0; l < layerCount; l++) {
      test(`residual layer ${l} at every position equals hidden_states[${l}] within max(1e-4, 1e-6 x its largest |value|)`, () => {
        const [layers, seq, hidden] = ref.hiddenStates.shape;
        assert.equal(runner.numLayers + 1, layers, 'layer count');
        assert.equal(runner.hiddenSize, hidden, 'hidden size');
        const row = clean.hidden.get(l)!;
        assert.equal(row.size, seq, 'every position captured');
        const ours = new Float32Array(seq * hidden);
        for (let p = 0; p < seq; p++) ours.set(row.get(p)!, p * hidden);
        const theirs = referenceLayer(ref, l);
        const diff = maxAbsDiff(ours, theirs);
        const bound = residualTolerance(theirs);
        assert.ok(diff <= bound, `layer ${l}: max |diff| ${diff} > ${bound} at ${whereMaxDiff(ours, theirs, hidden)}`);
      });
    }

    test('logits at every position within 1e-4', () => {
      const vocab = ref.logits.shape[1];
      const theirs = ref.logits.data as Float32Array;
      const diff = maxAbsDiff(clean.logits, theirs);
      assert.ok(diff <= LOGIT_TOLERANCE, `logits differ by ${diff} at ${whereMaxDiff(clean.logits, theirs, vocab)}`);
    });

    test('greedy answer equals the reference generated_ids (decoded)', () => {
      // RunOutput carries the answer as text (decoded, special tokens dropped, trimmed), so the reference ids are decoded the same way.
      assert.equal(clean.answer, runner.model.decode(ref.generatedIds).trim());
    });

    test('the object token of "circle" is the reference steer position', () => {
      assert.equal(runner.wordPosition(clean.prompt, 'circle'), ref.steerPositions[0]);
    });

    test('an add intervention at steer_layer gives steered_logits (last position) within 1e-4', async () => {
      const out = await runner.forward({
        media: { image: PHOTO },
        question: ref.question,
        interventions: [{ kind: 'add', layer: ref.steerLayer, positions: ref.steerPositions, vector: ref.steerVector }],
        maxNewTokens: 1,
      });
      const ours = lastRow(out.logits, ref.steeredLogits.length);
      const diff = maxAbsDiff(ours, ref.steeredLogits);
      assert.ok(diff <= LOGIT_TOLERANCE, `steered logits differ by ${diff} at ${whereMaxDiff(ours, ref.steeredLogits, ours.length)}`);
      assert.ok(maxAbsDiff(ours, lastRow(clean.logits, ours.length)) > LOGIT_TOLERANCE, 'the steering moved the logits');
    });

    test('a patch from photo-mirrored.png at patch_layer gives patched_logits (last position) within 1e-4', async () => {
      const out = await runner.forward({
        media: { image: PHOTO },
        question: ref.question,
        interventions: [{ kind: 'patch', layer: ref.patchLayer, positions: ref.patchPositions, from: { image: PHOTO_MIRRORED } }],
        maxNewTokens: 1,
      });
      const ours = lastRow(out.logits, ref.patchedLogits.length);
      const diff = maxAbsDiff(ours, ref.patchedLogits);
      assert.ok(diff <= LOGIT_TOLERANCE, `patched logits differ by ${diff} at ${whereMaxDiff(ours, ref.patchedLogits, ours.length)}`);
    });
  });
}

// A twin missing from the list would pass unseen: every folder under test/fixtures/twins is listed.
test('every twin folder is tested', () => {
  const listed = new Set(TWINS.map((t: Twin) => t.name));
  const folders = fs.readdirSync(TWINS_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  assert.deepEqual(folders.filter((f) => !listed.has(f)), []);
});

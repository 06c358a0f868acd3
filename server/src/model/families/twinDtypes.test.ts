import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
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
  whereMaxDiff,
} from '../../../test/support/twinFixtures';

/**
 * The LLaVA-1.5 twin's dtype variants (onnx/*_fp16.onnx, onnx/*_q4.onnx, written by
 * models/twins/onnx_dtypes.py) through ModelRunner:
 *  - q4 (MatMulNBits, 4-bit, block 32, float32 activations) against its own PyTorch reference,
 *    the twin with the same weights dequantized (llava-1.5.q4.reference.safetensors, from
 *    models/twins/make_dtype_references.py): the same bounds as the fp32 twin test, since
 *    both sides compute in float32 on the same weight values;
 *  - fp16 against the fp32 reference, within a bound set by float16 rounding (below).
 */

const llava = TWINS.find((t) => t.name === 'llava-1.5')!;
const q4Twin: Twin = { ...llava, reference: path.join(TWINS_DIR, 'llava-1.5.q4.reference.safetensors') };
const variantFiles = (suffix: string) => ['vision_encoder', 'embed_tokens', 'decoder_model_merged'].map((s) => path.join(llava.dir, 'onnx', `${s}${suffix}.onnx`));
const present = (twin: Twin, suffix: string) => [...variantFiles(suffix), twin.reference].every((f) => fs.existsSync(f));
const skipUnless = (twin: Twin, suffix: string): false | string => (present(twin, suffix) ? false : `no ${path.basename(twin.reference)} or onnx/*${suffix}.onnx`);

// The fp32 twin test's bounds: float32 kernels sum in another order in onnxruntime than in PyTorch.
const LOGIT_TOLERANCE = 1e-4;
const residualTolerance = (layer: Float32Array) => Math.max(1e-4, 1e-6 * maxAbs(layer));

/**
 * fp16: float16 keeps 11 significant bits, so each rounding moves a value by up to 2^-11 of
 * itself, and a value is rounded many times on its way through the layers (weights, every matmul
 * output, every residual add). The error of a residual layer is therefore a multiple of
 * 2^-11 x that layer's scale (its largest |value|), and of the logits a multiple of 2^-11 x the
 * largest |logit|. FP16_K is that multiple, with a margin. Measured here (diff / (2^-11 x max|v|)):
 * residual layers 0-4: 0.99, 1.92, 2.28, 2.69, 2.51 (layer 0 already carries the fp16 vision
 * encoder's error); logits 3.81; steered 2.33, patched 2.41 (max |diff| 2.0e-3 to 9.0e-3). K = 8,
 * about twice the worst, allows that rounding yet fails a real mistake (a wrong cast, a dropped
 * or doubled delta, a capture at the wrong site moves values by a good part of max|v|).
 */
const FP16_UNIT = 2 ** -11;
const FP16_K = 8;
const fp16Tolerance = (reference: Float32Array) => FP16_K * FP16_UNIT * maxAbs(reference);

const cacheDir = makeTempDir('twin-dtypes-graphs');
after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

interface Bounds {
  layer: (reference: Float32Array) => number;
  logits: (reference: Float32Array) => number;
  what: string;
}

/** Every layer and position, all logits, steered and patched logits of `variant` against `ref`. */
function compareWithReference(variant: 'q4' | 'fp16', ref: TwinReference, bounds: Bounds, extra?: (get: () => { runner: ModelRunner; clean: RunOutput }) => void) {
  let runner: ModelRunner;
  let clean: RunOutput;
  before(async () => {
    runner = await ModelRunner.load(llava.dir, { variant, cacheDir, threads: 1 });
    clean = await runner.forward({ media: { image: PHOTO }, question: ref.question, capture: { layers: 'all', positions: 'all' }, maxNewTokens: ref.generatedIds.length });
  });
  after(async () => runner?.dispose());

  test(`runs the ${variant} files and gives the reference prompt ids`, () => {
    assert.equal(runner.info().variant, variant);
    assert.deepEqual(clean.prompt.ids, ref.inputIds);
  });

  const [layers, seq, hidden] = ref.hiddenStates.shape;
  for (let l = 0; l < layers; l++) {
    test(`residual layer ${l} at every position equals hidden_states[${l}] within ${bounds.what}`, (t) => {
      assert.equal(runner.numLayers + 1, layers, 'layer count');
      const row = clean.hidden.get(l)!;
      assert.equal(row.size, seq, 'every position captured');
      const ours = new Float32Array(seq * hidden);
      for (let p = 0; p < seq; p++) {
        const v = row.get(p)!;
        assert.ok(v instanceof Float32Array, 'captures come back as float32');
        ours.set(v, p * hidden);
      }
      const theirs = referenceLayer(ref, l);
      const diff = maxAbsDiff(ours, theirs);
      const bound = bounds.layer(theirs);
      t.diagnostic(`layer ${l}: max |diff| ${diff.toExponential(3)}, max |v| ${maxAbs(theirs).toFixed(3)}, bound ${bound.toExponential(3)}`);
      assert.ok(diff <= bound, `layer ${l}: max |diff| ${diff} > ${bound} (max |v| ${maxAbs(theirs)}) at ${whereMaxDiff(ours, theirs, hidden)}`);
    });
  }

  test(`logits at every position within ${bounds.what}`, (t) => {
    const theirs = ref.logits.data as Float32Array;
    assert.ok(clean.logits instanceof Float32Array, 'logits come back as float32');
    const diff = maxAbsDiff(clean.logits, theirs);
    const bound = bounds.logits(theirs);
    t.diagnostic(`logits: max |diff| ${diff.toExponential(3)}, max |v| ${maxAbs(theirs).toFixed(3)}, bound ${bound.toExponential(3)}`);
    assert.ok(diff <= bound, `logits differ by ${diff} > ${bound} at ${whereMaxDiff(clean.logits, theirs, ref.logits.shape[1])}`);
  });

  test(`an add at steer_layer gives steered_logits within ${bounds.what}`, async (t) => {
    const out = await runner.forward({
      media: { image: PHOTO },
      question: ref.question,
      interventions: [{ kind: 'add', layer: ref.steerLayer, positions: ref.steerPositions, vector: ref.steerVector }],
      maxNewTokens: 1,
    });
    const ours = lastRow(out.logits, ref.steeredLogits.length);
    const diff = maxAbsDiff(ours, ref.steeredLogits);
    const bound = bounds.logits(ref.steeredLogits);
    t.diagnostic(`steered logits: max |diff| ${diff.toExponential(3)}, max |v| ${maxAbs(ref.steeredLogits).toFixed(3)}, bound ${bound.toExponential(3)}`);
    assert.ok(diff <= bound, `steered logits differ by ${diff} > ${bound} at ${whereMaxDiff(ours, ref.steeredLogits, ours.length)}`);
    const moved = maxAbsDiff(ours, lastRow(clean.logits, ours.length));
    assert.ok(moved > bound, `the steering moved the logits by ${moved}, no more than the bound ${bound}`);
  });

  test(`a patch from photo-mirrored.png at patch_layer gives patched_logits within ${bounds.what}`, async (t) => {
    const out = await runner.forward({
      media: { image: PHOTO },
      question: ref.question,
      interventions: [{ kind: 'patch', layer: ref.patchLayer, positions: ref.patchPositions, from: { image: PHOTO_MIRRORED } }],
      maxNewTokens: 1,
    });
    const ours = lastRow(out.logits, ref.patchedLogits.length);
    const diff = maxAbsDiff(ours, ref.patchedLogits);
    const bound = bounds.logits(ref.patchedLogits);
    t.diagnostic(`patched logits: max |diff| ${diff.toExponential(3)}, max |v| ${maxAbs(ref.patchedLogits).toFixed(3)}, bound ${bound.toExponential(3)}`);
    assert.ok(diff <= bound, `patched logits differ by ${diff} > ${bound} at ${whereMaxDiff(ours, ref.patchedLogits, ours.length)}`);
  });

  extra?.(() => ({ runner, clean }));
}

/** Index of the largest value and the gap to the second largest. */
function top2(v: Float32Array): { best: number; margin: number } {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  let second = -Infinity;
  for (let i = 0; i < v.length; i++) if (i !== best && v[i] > second) second = v[i];
  return { best, margin: v[best] - second };
}

describe('llava-1.5 twin, q4 (MatMulNBits) against its dequantized PyTorch reference', { skip: skipUnless(q4Twin, '_q4') }, () => {
  if (!present(q4Twin, '_q4')) return;
  const ref = readTwinReference(q4Twin);
  compareWithReference('q4', ref, { layer: residualTolerance, logits: () => LOGIT_TOLERANCE, what: 'the fp32 twin bounds' }, (get) => {
    test('greedy answer equals the q4 reference generated_ids (decoded)', () => {
      const { runner, clean } = get();
      assert.equal(clean.answer, runner.model.decode(ref.generatedIds).trim());
    });
  });
});

describe('llava-1.5 twin, fp16 against the fp32 PyTorch reference', { skip: skipUnless(llava, '_fp16') }, () => {
  if (!present(llava, '_fp16')) return;
  const ref = readTwinReference(llava);
  const what = `${FP16_K} x 2^-11 x max|v|`;
  compareWithReference('fp16', ref, { layer: fp16Tolerance, logits: fp16Tolerance, what }, (get) => {
    test('the first answer token is fp32\'s when fp32\'s top-2 margin exceeds twice the fp16 error', (t) => {
      const { runner, clean } = get();
      const vocab = ref.logits.shape[1];
      const theirs = lastRow(ref.logits.data as Float32Array, vocab);
      const ours = lastRow(clean.logits, vocab);
      const { best, margin } = top2(theirs);
      assert.equal(best, ref.generatedIds[0], 'the reference answer starts with its own argmax');
      // Each logit may move by the measured error, so top-1 and top-2 may close the gap by twice it:
      // only a margin larger than that guarantees the same greedy first token.
      const err = maxAbsDiff(ours, theirs);
      t.diagnostic(`fp32 top-2 margin ${margin.toExponential(3)}, fp16 error at the last position ${err.toExponential(3)}`);
      if (margin > 2 * err) {
        assert.equal(top2(ours).best, best, `fp32 margin ${margin} > 2 x fp16 error ${err}, yet another first token`);
        assert.ok(clean.answer.startsWith(runner.model.decode([best]).trim()), `answer "${clean.answer}" does not start with fp32's first token`);
      } else {
        t.skip(`fp32 top-2 margin ${margin} <= 2 x fp16 error ${err}: fp16 may rightly answer otherwise`);
      }
    });
  });
});

test('info of the llava-1.5 twin lists the dtypes its folder holds', { skip: skipUnless(llava, '_q4') || skipUnless(llava, '_fp16') }, async () => {
  const runner = await ModelRunner.load(llava.dir, { cacheDir, threads: 1 });
  try {
    assert.deepEqual(runner.info().dtypes, ['fp32', 'fp16', 'q4']);
    assert.equal(runner.info().variant, 'fp32');
  } finally {
    await runner.dispose();
  }
});

import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSafetensors } from '../tensors/safetensors';
import { preprocessImage } from './imagePreprocessor';
import { VisionLanguageModel } from './visionLanguageModel';

/**
 * The exported ONNX model against the PyTorch model it came from: reference tensors written by
 * models/tiny-spatial-vlm/make_fixtures.py from the same weights. Tolerance 1e-4 (float32
 * kernels differ in summation order between the two runtimes; 1e-4 is the bound).
 */

const ROOT = path.resolve(__dirname, '../../../..');
const MODEL = process.env.SPATIAL_ID_LENS_MODEL ?? path.join(ROOT, 'models/tiny-spatial-vlm');
const FIXTURES = path.join(ROOT, 'test/fixtures/tiny-spatial-vlm');
const TOLERANCE = 1e-4;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'same number of values');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const fixtures = fs.existsSync(FIXTURES) ? fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.safetensors')).sort() : [];
const present = fs.existsSync(path.join(MODEL, 'onnx/decoder_model_merged.onnx')) && fixtures.length > 0;
// One load for every fixture; opened on first use so a skipped run loads nothing.
let loaded: Promise<VisionLanguageModel> | undefined;
const loadModel = () => (loaded ??= VisionLanguageModel.load(MODEL));
after(async () => {
  if (loaded) await (await loaded).dispose();
});

test('reference fixtures exist for images and clips', { skip: !present && 'no bundled model or fixtures' }, () => {
  assert.ok(fixtures.some((f) => f.includes('-image-')) && fixtures.some((f) => f.includes('-clip-')), fixtures.join(', '));
});

for (const name of fixtures) {
  test(`ONNX matches PyTorch on ${name}: embeddings, logits at every position, greedy answer`, { skip: !present && 'no bundled model' }, async () => {
    const ref = readSafetensors(path.join(FIXTURES, name)).tensors;
    const model = await loadModel();
    const ids = Array.from(ref.input_ids.data as BigInt64Array, Number);
    const pixelsU8 = ref.pixels_u8;
    const [frames, h, w] = pixelsU8.shape;
    const images = Array.from({ length: frames }, (_, k) => ({
      width: w,
      height: h,
      data: (pixelsU8.data as Uint8Array).subarray(k * h * w * 3, (k + 1) * h * w * 3),
    }));
    const pixelValues = await Promise.all(images.map((img) => preprocessImage(img, model.folder.preprocessor)));
    if (ref.pixel_values) {
      assert.equal(maxAbsDiff(pixelValues[0], ref.pixel_values.data as Float32Array), 0, 'preprocessing is bit-exact');
    }
    const isClip = name.includes('-clip-');
    const features = isClip
      ? { video: (await model.session.encodeVideo(pixelValues)).data as Float32Array }
      : { image: (await model.session.encodeImages(pixelValues)).data as Float32Array };
    const embeds = await model.session.inputsEmbeds(ids, features);
    const [, seq, hidden] = ref.hidden_states.shape;
    assert.equal(seq, ids.length);
    const layer0 = (ref.hidden_states.data as Float32Array).subarray(0, seq * hidden);
    assert.ok(maxAbsDiff(embeds, layer0) <= TOLERANCE, 'inputs_embeds (layer 0) match');
    const { logits } = await model.session.prefill(embeds, ids);
    const diff = maxAbsDiff(logits.data as Float32Array, ref.logits.data as Float32Array);
    assert.ok(diff <= TOLERANCE, `logits differ by ${diff}`);
    const { ids: generated } = await model.session.continueGreedy(await model.session.prefill(embeds, ids), 8);
    assert.deepEqual(generated, Array.from(ref.generated_ids.data as BigInt64Array, Number));
  });
}

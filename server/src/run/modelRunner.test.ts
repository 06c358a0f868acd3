import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { DecoderVariantKind, makeDecoderVariantFolder } from '../../test/support/decoderVariantFolder';
import { RgbImage, renderScene } from '../scenes/renderScene';
import { DEFAULT_BACKGROUND } from '../scenes/scene';
import { CancelledError } from './cancellation';
import { NamedTensor, readSafetensors } from '../tensors/safetensors';
import { ModelRunner, RunMedia } from './modelRunner';

/**
 * The run API against the PyTorch reference fixtures (models/tiny-spatial-vlm/make_fixtures.py):
 * every layer's captured residual, the logits, and the logits under one steering delta and one
 * patch, on the bundled decoder and on fused, external-data and If-merged copies of it made by
 * makeDecoderVariantFolder. Tolerance 1e-4 (the bound; float32 summation order differs
 * between the runtimes and between fused and plain kernels).
 */

const ROOT = path.resolve(__dirname, '../../../..');
const MODEL = path.join(ROOT, 'models/tiny-spatial-vlm');
const FIXTURES = path.join(ROOT, 'test/fixtures/tiny-spatial-vlm');
const TOLERANCE = 1e-4;
// The last residual reaches a few hundred (the final RMSNorm rescales it), where 1e-4 is about
// two float32 steps: there the bound is relative to the layer's largest value.
const RELATIVE_TOLERANCE = 1e-6;
const present = fs.existsSync(path.join(MODEL, 'onnx/decoder_model_merged.onnx')) && fs.existsSync(FIXTURES);
const skip = present ? false : 'no bundled model or fixtures';
const fixtureNames = present ? fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.safetensors')).sort() : [];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sil-runner-'));
const cacheDir = path.join(tmp, 'cache');
const runners: ModelRunner[] = [];
after(async () => {
  await Promise.all(runners.map((r) => r.dispose()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'same number of values');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

interface Fixture {
  name: string;
  t: Record<string, NamedTensor>;
  md: Record<string, string>;
  media: RunMedia;
}

function loadFixture(name: string): Fixture {
  const { tensors: t, metadata: md } = readSafetensors(path.join(FIXTURES, name));
  const px = t.pixels_u8;
  const [frames, h, w] = px.shape;
  const images: RgbImage[] = Array.from({ length: frames }, (_, k) => ({ width: w, height: h, data: (px.data as Uint8Array).subarray(k * h * w * 3, (k + 1) * h * w * 3) }));
  return { name, t, md, media: md.source === 'image' ? { pixels: images[0] } : { frames: images } };
}

const floats = (t: NamedTensor) => t.data as Float32Array;

function checkFixture(getRunner: () => ModelRunner, fx: Fixture, all: Fixture[]): void {
  test(`${fx.name}: captured residuals of every layer and the logits match PyTorch`, async () => {
    const r = getRunner();
    const out = await r.forward({ media: fx.media, question: fx.md.question, capture: { layers: 'all', positions: 'all' } });
    assert.deepEqual(out.prompt.ids, Array.from(fx.t.input_ids.data as BigInt64Array, Number), 'same prompt ids');
    const [layers, seq, hidden] = fx.t.hidden_states.shape;
    assert.equal(layers, r.numLayers + 1);
    const ref = floats(fx.t.hidden_states);
    for (let l = 0; l < layers; l++) {
      const got = new Float32Array(seq * hidden);
      for (let p = 0; p < seq; p++) got.set(out.hidden.get(l)!.get(p)!, p * hidden);
      const want = ref.subarray(l * seq * hidden, (l + 1) * seq * hidden);
      const d = maxAbsDiff(got, want);
      const tol = Math.max(TOLERANCE, RELATIVE_TOLERANCE * maxAbs(want));
      assert.ok(d <= tol, `layer ${l} differs by ${d} (tolerance ${tol})`);
    }
    assert.ok(maxAbsDiff(out.logits, floats(fx.t.logits)) <= TOLERANCE, 'logits');
    assert.equal(out.answer, fx.md.generated_text.trim());
  });

  test(`${fx.name}: a steering delta gives the PyTorch hook's logits`, async () => {
    const layer = Number(fx.md['steer.layer']) + 1; // hook on model.layers[k] = residual layer k+1
    const out = await getRunner().forward({
      media: fx.media,
      question: fx.md.question,
      interventions: [{ kind: 'add', layer, positions: [Number(fx.md['steer.position'])], vector: floats(fx.t['steer.delta']) }],
    });
    const d = maxAbsDiff(out.logits, floats(fx.t['steer.logits']));
    assert.ok(d <= TOLERANCE, `steered logits differ by ${d}`);
  });

  test(`${fx.name}: a patch gives the PyTorch hook's logits`, async () => {
    const r = getRunner();
    const layer = Number(fx.md['patch.layer']) + 1;
    const positions = JSON.parse(fx.md['patch.positions']) as number[];
    const sourceName = /^fixture (.+)$/.exec(fx.md['patch.source'])?.[1];
    const source = all.find((o) => o.name === `${sourceName}.safetensors`);
    // From the source input itself where the fixtures hold it; else from its recorded values.
    let from;
    if (source) {
      from = { ...source.media, question: source.md.question };
    } else {
      const values = floats(fx.t['patch.values']);
      const activations = new Float32Array((Math.max(...positions) + 1) * r.hiddenSize);
      positions.forEach((p, k) => activations.set(values.subarray(k * r.hiddenSize, (k + 1) * r.hiddenSize), p * r.hiddenSize));
      from = { activations };
    }
    const out = await r.forward({ media: fx.media, question: fx.md.question, interventions: [{ kind: 'patch', layer, positions, from }] });
    const d = maxAbsDiff(out.logits, floats(fx.t['patch.logits']));
    assert.ok(d <= TOLERANCE, `patched logits differ by ${d}`);
  });
}

const fixtures = fixtureNames.map(loadFixture);
const layouts: Array<{ label: string; variant?: DecoderVariantKind }> = [
  { label: 'bundled decoder' },
  { label: 'ORT-fused copy', variant: 'fused' },
  { label: 'external-data copy', variant: 'external-data' },
  { label: 'If-merged copy', variant: 'if-merged' },
];

for (const { label, variant } of layouts) {
  describe(`run API on the ${label}`, { skip }, () => {
    let runner: ModelRunner | undefined;
    const get = () => runner!;
    test('loads', async () => {
      const dir = variant ? await makeDecoderVariantFolder(MODEL, path.join(tmp, variant), variant) : MODEL;
      runner = await ModelRunner.load(dir, { cacheDir });
      runners.push(runner);
      if (variant === 'fused') assert.equal(runner.layout.layout, 'fused');
      if (variant === 'if-merged') assert.equal(runner.layout.layout, 'if-merged');
    });
    for (const fx of fixtures) checkFixture(get, fx, fixtures);
  });
}

test('the instrumented graph is cached under the decoder hash and reused', { skip }, async () => {
  const r = await ModelRunner.load(MODEL, { cacheDir });
  runners.push(r);
  const entries = fs.readdirSync(cacheDir).filter((f) => f.startsWith(r.decoderHash));
  assert.equal(entries.length, 2, entries.join(', '));
});

/** A stand-in AbortSignal that reads as aborted from its `at`-th check on, counting the checks. */
function abortsAtCheck(at: number): { signal: AbortSignal; checks: () => number } {
  let checks = 0;
  const aborted = () => ++checks >= at;
  const signal = {
    get aborted() {
      return aborted();
    },
    throwIfAborted() {
      if (aborted()) throw new CancelledError();
    },
  } as unknown as AbortSignal;
  return { signal, checks: () => checks };
}

test('a forward stops with CancelledError at every step it checks: media, prefill and each decoder step', { skip }, async () => {
  const r = await ModelRunner.load(MODEL, { cacheDir });
  runners.push(r);
  const pixels = await renderScene({ width: 96, height: 96, background: DEFAULT_BACKGROUND, oneObjectPerCell: true, objects: [{ colour: 'red', shape: 'circle', x: 12, y: 12, size: 14 }, { colour: 'blue', shape: 'square', x: 84, y: 60, size: 14 }] });
  // the answer word and then end-of-sequence: one decoder step after the prefill to stop before
  const input = { media: { pixels }, question: 'Is the red circle to the left or right of the blue square?', maxNewTokens: 8 };
  const clean = await r.forward(input);
  const never = abortsAtCheck(Number.POSITIVE_INFINITY);
  assert.deepEqual(await r.forward({ ...input, signal: never.signal }), clean, 'a signal that never aborts changes nothing');
  const total = never.checks();
  const generated = r.model.encodeText(clean.answer).length;
  assert.ok(total >= 3 + Math.max(0, generated - 1), `${total} checks for ${generated} generated tokens`);
  for (let at = 1; at <= total; at++) {
    await assert.rejects(r.forward({ ...input, signal: abortsAtCheck(at).signal }), CancelledError, `aborted at check ${at} of ${total}`);
  }
  // the runner's own cancellation (the server's request signal) is used when the input names none
  r.cancellation = abortsAtCheck(total).signal;
  try {
    await assert.rejects(r.forward(input), CancelledError);
  } finally {
    r.cancellation = undefined;
  }
  assert.deepEqual(await r.forward(input), clean, 'and the runner serves the next run as before');
});

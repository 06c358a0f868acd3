import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ort from '../model/onnxRuntime';
import { fuseSkipSimplifiedNorm, mergeWithUseCacheIf, moveWeightsToExternalData } from '../../test/support/decoderVariants';
import {
  DecoderReference,
  decoderFeeds,
  floats,
  maxAbsDiff,
  ortOptimized,
  positionDelta,
  rows,
  sessionFromBytes,
  tinyDecoder,
  tinyReference,
  zeroDelta,
} from '../../test/support/graphTestFixtures';
import { instrumentDecoder } from './instrumentDecoder';
import { GraphInstrumentationError, siteName } from './residualSites';

// PyTorch (fixture) vs onnxruntime, float32: the acceptance tolerance of issue 3.
const TOL = 1e-4;
const ALL = [0, 1, 2, 3];
/** The tiny decoder's residual sites by layer: blocks.{l}.hook_resid_pre, and blocks.2.hook_resid_post for the last. */
const SITES = ['blocks.0.hook_resid_pre', 'blocks.1.hook_resid_pre', 'blocks.2.hook_resid_pre', 'blocks.2.hook_resid_post'];
const site = (l: number) => SITES[l];

interface Variant {
  bytes: Uint8Array;
  extra?: Record<string, ort.Tensor>;
  /** Folder of the external-data file, for models loaded from memory. */
  folder?: string;
}

/**
 * Instruments every layer of `v` and checks, against the uninstrumented model and the PyTorch
 * reference: zero deltas change nothing; captured states match PyTorch; a delta at one layer and
 * position reproduces PyTorch's steered run, leaves earlier layers bit-identical and earlier
 * positions' logits unchanged (causality).
 */
async function checkVariant(v: Variant, base: ort.InferenceSession): Promise<void> {
  const ref = tinyReference();
  const H = ref.hidden_size;
  const seq = ref.inputs_embeds.length;
  const inst = instrumentDecoder(v.bytes, { capture: ALL, intervene: ALL });
  assert.deepEqual(inst.captureOutputs, SITES);
  assert.deepEqual(inst.deltaInputs, SITES.map((n) => `delta.${n}`));
  const session = await sessionFromBytes(inst.bytes, v.folder);
  try {
    for (const name of inst.deltaInputs) assert.ok(session.inputNames.includes(name), `${name} is a graph input`);
    const zeros = Object.fromEntries(inst.deltaInputs.map((n) => [n, zeroDelta(H)]));
    const want = floats((await base.run(decoderFeeds(ref, ref.inputs_embeds, v.extra))).logits);
    const plain = await session.run(decoderFeeds(ref, ref.inputs_embeds, { ...v.extra, ...zeros }));
    assert.deepEqual(floats(plain.logits), want, 'zero deltas give exactly the original logits');
    assert.ok(maxAbsDiff(floats(plain.logits), ref.logits.flat()) <= TOL, 'logits vs PyTorch');
    for (const l of ALL) {
      const got = floats(plain[site(l)]);
      assert.deepEqual(plain[site(l)].dims, [1, seq, H]);
      const d = maxAbsDiff(got, ref.hidden[l].flat());
      assert.ok(d <= TOL, `layer ${l} hidden vs PyTorch: max abs diff ${d}`);
    }

    const { layer, position, vector } = ref.steer;
    const steered = await session.run(decoderFeeds(ref, ref.inputs_embeds, { ...v.extra, ...zeros, [`delta.${site(layer)}`]: positionDelta(seq, position, vector) }));
    const dl = maxAbsDiff(floats(steered.logits), ref.steer.logits.flat());
    assert.ok(dl <= TOL, `steered logits vs PyTorch hook: ${dl}`);
    for (const l of ALL) {
      const got = floats(steered[site(l)]);
      const d = maxAbsDiff(got, ref.steer.hidden[l].flat());
      assert.ok(d <= TOL, `steered layer ${l} vs PyTorch: ${d}`);
      if (l < layer) assert.deepEqual(got, floats(plain[site(l)]), `layer ${l} < ${layer} is untouched`);
      else assert.ok(maxAbsDiff(rows(got, H, position, position + 1), rows(floats(plain[site(l)]), H, position, position + 1)) > 0.1, `layer ${l} >= ${layer} moves`);
    }
    const V = ref.vocab_size;
    assert.ok(maxAbsDiff(rows(floats(steered.logits), V, 0, position), rows(floats(plain.logits), V, 0, position)) <= 1e-6, 'positions before the steered one keep their logits');
    assert.ok(maxAbsDiff(rows(floats(steered.logits), V, position, seq), rows(floats(plain.logits), V, position, seq)) > 1e-3, 'the steered position and later ones change');
  } finally {
    await session.release();
  }
}

async function withBase(bytes: Uint8Array, run: (base: ort.InferenceSession) => Promise<void>, folder?: string): Promise<void> {
  const base = await sessionFromBytes(bytes, folder);
  try {
    await run(base);
  } finally {
    await base.release();
  }
}

test('plain export: capture and steer every layer, checked against PyTorch', async () => {
  const bytes = tinyDecoder();
  await withBase(bytes, (base) => checkVariant({ bytes }, base));
});

test('fused export (SkipSimplifiedLayerNormalization): the delta goes into the fused node input', async () => {
  const bytes = fuseSkipSimplifiedNorm(await ortOptimized(tinyDecoder()));
  await withBase(bytes, (base) => checkVariant({ bytes }, base));
});

test('If-merged decoder: both branches are instrumented', async () => {
  const bytes = mergeWithUseCacheIf(tinyDecoder());
  for (const branch of [true, false]) {
    const extra = { use_cache_branch: new ort.Tensor('bool', [branch], [1]) };
    await withBase(bytes, (base) => checkVariant({ bytes, extra }, base));
  }
});

test('external-data model: edited in memory, weights read from their folder, never copied', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sil-extdata-'));
  try {
    const { model, data } = moveWeightsToExternalData(tinyDecoder(), 'decoder.onnx_data');
    fs.writeFileSync(path.join(dir, 'decoder.onnx_data'), data);
    assert.ok(model.length < data.length / 4, 'the weights are in the side file');
    const inst = instrumentDecoder(model, { capture: [1], intervene: [] });
    assert.ok(inst.bytes.length < model.length + 1024, 'the edited graph still refers to the side file');
    await withBase(model, (base) => checkVariant({ bytes: model, folder: dir }, base), dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('layer 0 steering adds to inputs_embeds, and capture alone adds no inputs', async () => {
  const ref: DecoderReference = tinyReference();
  const H = ref.hidden_size;
  const seq = ref.inputs_embeds.length;
  const vec = Array.from({ length: H }, (_, i) => Math.sin(i));
  const inst = instrumentDecoder(tinyDecoder(), { capture: [0, 3], intervene: [0] });
  assert.deepEqual(inst.deltaInputs, ['delta.blocks.0.hook_resid_pre']);
  const session = await sessionFromBytes(inst.bytes);
  const base = await sessionFromBytes(tinyDecoder());
  try {
    const out = await session.run(decoderFeeds(ref, ref.inputs_embeds, { 'delta.blocks.0.hook_resid_pre': positionDelta(seq, 1, vec) }));
    const moved = ref.inputs_embeds.map((row, p) => row.map((x, i) => (p === 1 ? Math.fround(x + Math.fround(vec[i])) : x)));
    assert.deepEqual(floats(out['blocks.0.hook_resid_pre']), Float32Array.from(moved.flat()));
    const want = floats((await base.run(decoderFeeds(ref, moved))).logits);
    assert.ok(maxAbsDiff(floats(out.logits), want) <= 1e-5, 'same as feeding the moved embeddings');
  } finally {
    await Promise.all([session.release(), base.release()]);
  }
  const captureOnly = instrumentDecoder(tinyDecoder(), { capture: [2], intervene: [] });
  const s2 = await sessionFromBytes(captureOnly.bytes);
  try {
    assert.ok(!s2.inputNames.some((n) => n.startsWith('delta.')));
    const out = await s2.run(decoderFeeds(ref, ref.inputs_embeds));
    assert.ok(maxAbsDiff(floats(out['blocks.2.hook_resid_pre']), ref.hidden[2].flat()) <= TOL);
  } finally {
    await s2.release();
  }
});

test('bad requests are clear errors', () => {
  const bytes = tinyDecoder();
  assert.throws(() => instrumentDecoder(bytes, { capture: [4], intervene: [] }), (e: Error) => e instanceof GraphInstrumentationError && /capture layer 4 is out of range: this decoder has layers 0 \(embeddings\) to 3/.test(e.message));
  assert.throws(() => instrumentDecoder(bytes, { capture: [], intervene: [-1] }), /intervention layer -1 is out of range/);
  assert.throws(() => instrumentDecoder(bytes, { capture: [1.5], intervene: [] }), /out of range/);
  const once = instrumentDecoder(bytes, { capture: [1], intervene: [2] }).bytes;
  assert.throws(() => instrumentDecoder(once, { capture: [1], intervene: [] }), /already has blocks\.1\.hook_resid_pre: it is instrumented already/);
  assert.throws(() => instrumentDecoder(once, { capture: [3], intervene: [] }), /already has Spatial ID Lens nodes/);
});

test('site names follow TransformerLens: the input of block l, and the last block\'s output', () => {
  assert.deepEqual([0, 1, 2, 3].map((l) => siteName(l, 3)), SITES);
  assert.equal(siteName(0, 1), 'blocks.0.hook_resid_pre');
  assert.equal(siteName(1, 1), 'blocks.0.hook_resid_post');
  for (const bad of [-1, 4, 1.5]) assert.throws(() => siteName(bad, 3), RangeError);
});

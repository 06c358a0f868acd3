import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ort from '../model/onnxRuntime';
import { FIXTURE_DIR, maxAbsDiff, rows, sessionFromBytes, tinyDecoder, tinyReference } from '../../test/support/graphTestFixtures';
import { float16ToFloat32, float32ToFloat16 } from '../tensors/float16';
import { instrumentDecoder } from './instrumentDecoder';
import { ElemType } from './onnxFields';
import { findResidualSites } from './residualSites';

/**
 * tiny_decoder_fp16.onnx (make_fp16_decoder.py): the tiny decoder in the fp16-export layout,
 * float32 `inputs_embeds` Cast to float16 inside, float16 weights, KV cache and logits.
 * Its reference is the float32 PyTorch run of tiny_decoder.onnx's weights.
 */
const fp16Decoder = () => new Uint8Array(fs.readFileSync(path.join(FIXTURE_DIR, 'tiny_decoder_fp16.onnx')));
const ALL = [0, 1, 2, 3];
const SITES = ['blocks.0.hook_resid_pre', 'blocks.1.hook_resid_pre', 'blocks.2.hook_resid_pre', 'blocks.2.hook_resid_post'];
/** fp16 unit roundoff: each value stored as float16 is within a relative 2^-11 of its exact value. */
const U = 2 ** -11;
/**
 * Reference tolerance, relative to the largest reference value of the tensor compared: from the
 * Cast of the embeddings to the logits, about a dozen float16 roundings lie on each path
 * (norm, q/k/v, attention, o_proj, residual Add, MLP per layer), each at most U; onnxruntime's
 * CPU kernels compute float16 MatMul and norms in float32 and round once, so the error stays a
 * small multiple of U of the values' scale, not of the accumulated sums. 16 U leaves room for
 * that growth (measured here, plain and steered: logits up to 2.7 U, hidden states up to 3.3 U).
 */
const fp16Tol = (reference: ArrayLike<number>) => 16 * U * Math.max(...Array.from(reference, Math.abs));

const f16Tensor = (values: ArrayLike<number>, dims: number[]) => new ort.Tensor('float16', float32ToFloat16(Float32Array.from(values)), dims);
const asFloats = (t: ort.Tensor) => {
  assert.equal(t.type, 'float16');
  return float16ToFloat32(t.data as Uint16Array);
};

function feeds(embeds: number[][], extra: Record<string, ort.Tensor> = {}): Record<string, ort.Tensor> {
  const ref = tinyReference();
  const seq = embeds.length;
  const out: Record<string, ort.Tensor> = {
    inputs_embeds: new ort.Tensor('float32', Float32Array.from(embeds.flat()), [1, seq, ref.hidden_size]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(seq).fill(1n), [1, seq]),
    position_ids: new ort.Tensor('int64', BigInt64Array.from({ length: seq }, (_, i) => BigInt(i)), [1, seq]),
  };
  for (let i = 0; i < ref.num_layers; i++) {
    for (const kv of ['key', 'value']) out[`past_key_values.${i}.${kv}`] = f16Tensor([], [1, ref.num_key_value_heads, 0, ref.head_dim]);
  }
  return { ...out, ...extra };
}

test('fp16 export: every site is float16, layer 0 is the Cast of inputs_embeds', () => {
  const layout = findResidualSites(fp16Decoder());
  assert.equal(layout.elemType, ElemType.FLOAT, 'inputs_embeds itself stays float32');
  assert.deepEqual(layout.sites.map((s) => s.elemType), [10, 10, 10, 10]);
  assert.deepEqual(layout.sites.map((s) => s.kind), ['castOutput', 'addOutput', 'addOutput', 'addOutput']);
  assert.equal(layout.sites[0].node?.opType, 'Cast');
  // the float32 export keeps float32 everywhere, so its instrumented graph is unchanged by per-site typing
  assert.deepEqual(findResidualSites(tinyDecoder()).sites.map((s) => s.elemType), [1, 1, 1, 1]);
});

test('fp16 export instrumented: float16 deltas and captures; zero deltas exact; a delta matches PyTorch within fp16 tolerance', async () => {
  const ref = tinyReference();
  const H = ref.hidden_size;
  const seq = ref.inputs_embeds.length;
  const inst = instrumentDecoder(fp16Decoder(), { capture: ALL, intervene: ALL });
  assert.deepEqual(inst.captureOutputs, SITES);
  const [session, base] = await Promise.all([sessionFromBytes(inst.bytes), sessionFromBytes(fp16Decoder())]);
  try {
    const zeros = Object.fromEntries(inst.deltaInputs.map((n) => [n, f16Tensor(new Float32Array(H), [1, 1, H])]));
    const want = await base.run(feeds(ref.inputs_embeds));
    const plain = await session.run(feeds(ref.inputs_embeds, zeros));
    assert.equal(plain.logits.type, 'float16');
    assert.deepEqual(plain.logits.data, want.logits.data, 'zero deltas: bit-identical logits');
    assert.deepEqual(plain['present.2.value'].data, want['present.2.value'].data, 'and KV cache');
    const logits = asFloats(plain.logits);
    assert.ok(maxAbsDiff(logits, ref.logits.flat()) <= fp16Tol(ref.logits.flat()), `logits vs PyTorch: ${maxAbsDiff(logits, ref.logits.flat())}`);
    assert.deepEqual(plain[SITES[0]].data, float32ToFloat16(Float32Array.from(ref.inputs_embeds.flat())), 'layer 0 = inputs_embeds rounded to float16');
    for (const l of ALL) {
      assert.deepEqual(plain[SITES[l]].dims, [1, seq, H]);
      const d = maxAbsDiff(asFloats(plain[SITES[l]]), ref.hidden[l].flat());
      assert.ok(d <= fp16Tol(ref.hidden[l].flat()), `layer ${l} vs PyTorch: ${d}`);
    }

    const { layer, position, vector } = ref.steer;
    const delta = new Float32Array(seq * H);
    delta.set(vector, position * H);
    const steered = await session.run(feeds(ref.inputs_embeds, { ...zeros, [`delta.${SITES[layer]}`]: f16Tensor(delta, [1, seq, H]) }));
    const sl = asFloats(steered.logits);
    const want2 = ref.steer.logits.flat();
    assert.ok(maxAbsDiff(sl, want2) <= fp16Tol(want2), `steered logits vs PyTorch hook: ${maxAbsDiff(sl, want2)}`);
    for (const l of ALL) {
      const got = asFloats(steered[SITES[l]]);
      const d = maxAbsDiff(got, ref.steer.hidden[l].flat());
      assert.ok(d <= fp16Tol(ref.steer.hidden[l].flat()), `steered layer ${l} vs PyTorch: ${d}`);
      if (l < layer) assert.deepEqual(steered[SITES[l]].data, plain[SITES[l]].data, `layer ${l} < ${layer} is untouched`);
    }
    const V = ref.vocab_size;
    assert.deepEqual(rows(sl, V, 0, position), rows(logits, V, 0, position), 'positions before the steered one keep their logits');
  } finally {
    await Promise.all([session.release(), base.release()]);
  }
});

test('a float32 delta on a float16 site is refused by onnxruntime: the caller must convert', async () => {
  const H = tinyReference().hidden_size;
  const inst = instrumentDecoder(fp16Decoder(), { capture: [], intervene: [1] });
  const session = await sessionFromBytes(inst.bytes);
  try {
    const ref = tinyReference();
    await assert.rejects(session.run(feeds(ref.inputs_embeds, { [inst.deltaInputs[0]]: new ort.Tensor('float32', new Float32Array(H), [1, 1, H]) })), /type|float16|tensor\(float/i);
  } finally {
    await session.release();
  }
});

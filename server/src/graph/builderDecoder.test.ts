import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ort from '../model/onnxRuntime';
import { FIXTURE_DIR, maxAbsDiff, sessionFromBytes } from '../../test/support/graphTestFixtures';
import { float16ToFloat32, float32ToFloat16 } from '../tensors/float16';
import { instrumentDecoder } from './instrumentDecoder';
import { ModelProtoField, OperatorSetIdField } from './onnxFields';
import { OnnxModel } from './onnxModel';
import { parseMessage, payloadOf, stringOf } from './protobufWire';
import { findResidualSites } from './residualSites';

/**
 * Decoders in onnxruntime-genai's builder layout (make_builder_decoder.py): com.microsoft
 * GroupQueryAttention with fused rotary, no position_ids, MatMulNBits 4-bit weights; Llama style
 * (SkipSimplifiedLayerNormalization) in float32 and float16, Gemma style (pre/post
 * SimplifiedLayerNormalization, plain Adds) in float16. H 64, 2 layers, 1 KV head of 32.
 */
const H = 64;
const L = 2;
const SITES = ['blocks.0.hook_resid_pre', 'blocks.1.hook_resid_pre', 'blocks.1.hook_resid_post'];
const VARIANTS = [
  { file: 'builder_llama_q4', fp16: false, layout: 'fused', kinds: ['graphInput', 'skipNormSum', 'skipNormSum'],
    nodes: [undefined, '/model/layers.1/input_layernorm/SkipLayerNorm', '/model/norm/SkipLayerNorm'] },
  { file: 'builder_llama_q4f16', fp16: true, layout: 'fused', kinds: ['castOutput', 'skipNormSum', 'skipNormSum'],
    nodes: ['/model/embed_tokens/Cast', '/model/layers.1/input_layernorm/SkipLayerNorm', '/model/norm/SkipLayerNorm'] },
  { file: 'builder_gemma_q4f16', fp16: true, layout: 'plain', kinds: ['castOutput', 'addOutput', 'addOutput'],
    nodes: ['/model/embed_tokens/Cast', '/model/layers.0/Add_2', '/model/layers.1/Add_2'] },
] as const;
type Variant = (typeof VARIANTS)[number];

const load = (v: Variant) => new Uint8Array(fs.readFileSync(path.join(FIXTURE_DIR, `${v.file}.onnx`)));
const tensor = (v: Variant, data: Float32Array, dims: number[]) => (v.fp16 ? new ort.Tensor('float16', float32ToFloat16(data), dims) : new ort.Tensor('float32', data, dims));
const values = (t: ort.Tensor) => (t.type === 'float16' ? float16ToFloat32(t.data as Uint16Array) : (t.data as Float32Array));
/** float32: kernels differ between a prefill and a cached step only in summation order; float16: 16 units of 2^-11 of the scale, see fp16Decoder.test.ts. */
const tolerance = (v: Variant, ref: Float32Array) => (v.fp16 ? 16 * 2 ** -11 * Math.max(...Array.from(ref, Math.abs)) : 1e-4);
const embeds = (seq: number) => Float32Array.from({ length: seq * H }, (_, i) => Math.sin(0.37 * i + 1));

function feeds(v: Variant, emb: Float32Array, past: Record<string, ort.Tensor> | null, extra: Record<string, ort.Tensor> = {}): Record<string, ort.Tensor> {
  const seq = emb.length / H;
  const pastLen = past ? past['present.0.key'].dims[2] : 0;
  const out: Record<string, ort.Tensor> = {
    inputs_embeds: new ort.Tensor('float32', emb, [1, seq, H]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(pastLen + seq).fill(1n), [1, pastLen + seq]),
  };
  for (let i = 0; i < L; i++) {
    for (const kv of ['key', 'value']) out[`past_key_values.${i}.${kv}`] = past ? past[`present.${i}.${kv}`] : tensor(v, new Float32Array(0), [1, 1, 0, 32]);
  }
  return { ...out, ...extra };
}

function opsetDomains(bytes: Uint8Array): string[] {
  return parseMessage(bytes).filter((f) => f.field === ModelProtoField.opsetImport)
    .map((f) => parseMessage(payloadOf(f)).find((x) => x.field === OperatorSetIdField.domain))
    .map((d) => (d ? stringOf(d) : ''));
}

for (const v of VARIANTS) {
  test(`builder layout ${v.file}: sites, element types, prefill and one cached step`, async () => {
    const layout = findResidualSites(load(v));
    assert.equal(layout.layout, v.layout);
    assert.deepEqual(layout.sites.map((s) => s.name), SITES);
    assert.deepEqual(layout.sites.map((s) => s.kind), v.kinds);
    assert.deepEqual(layout.sites.map((s) => s.node?.name), v.nodes);
    assert.deepEqual(layout.sites.map((s) => s.elemType), Array(3).fill(v.fp16 ? 10 : 1));
    if (v.layout === 'fused') assert.equal(layout.sites[2].tensor, '', 'the final SkipSimplifiedLayerNorm has no output 3');

    const inst = instrumentDecoder(load(v), { capture: [0, 1, 2], intervene: [0, 1, 2] });
    assert.deepEqual(opsetDomains(inst.bytes), opsetDomains(load(v)), 'opset imports (com.microsoft included) kept');
    assert.ok(opsetDomains(inst.bytes).includes('com.microsoft'));
    const [session, base] = await Promise.all([sessionFromBytes(inst.bytes), sessionFromBytes(load(v))]);
    try {
      const zeros = Object.fromEntries(inst.deltaInputs.map((n) => [n, tensor(v, new Float32Array(H), [1, 1, H])]));
      const S = 4;
      const all = embeds(S + 1);
      const prompt = all.subarray(0, S * H);
      const step = all.slice(S * H);

      const want = await base.run(feeds(v, prompt, null));
      const got = await session.run(feeds(v, prompt, null, zeros));
      assert.deepEqual(got.logits.data, want.logits.data, 'prefill: zero deltas give bit-identical logits');
      assert.deepEqual(got['present.1.value'].data, want['present.1.value'].data, 'and KV cache');
      for (const name of SITES) {
        assert.equal(got[name].type, v.fp16 ? 'float16' : 'float32');
        assert.deepEqual(got[name].dims, [1, S, H]);
      }

      const wantStep = await base.run(feeds(v, step, want));
      const gotStep = await session.run(feeds(v, step, got, zeros));
      assert.deepEqual(gotStep.logits.data, wantStep.logits.data, 'cached step: bit-identical logits');
      // the cached step's captures are the last row of a 5-token prefill's
      const full = await session.run(feeds(v, all, null, zeros));
      for (const name of SITES) {
        assert.deepEqual(gotStep[name].dims, [1, 1, H]);
        const last = values(full[name]).subarray(S * H);
        const d = maxAbsDiff(values(gotStep[name]), last);
        assert.ok(d <= tolerance(v, last), `${name}: cached step vs prefill row: ${d}`);
      }

      // a delta at the last site (in fused graphs: output 3 created on the final norm) moves only its position's logits
      const delta = new Float32Array(S * H);
      delta.set(Array.from({ length: H }, (_, i) => 3 * Math.cos(i)), 2 * H);
      const steered = await session.run(feeds(v, prompt, null, { ...zeros, [inst.deltaInputs[2]]: tensor(v, delta, [1, S, H]) }));
      const V = got.logits.dims[2];
      const [a, b] = [values(steered.logits), values(got.logits)];
      assert.deepEqual(a.subarray(0, 2 * V), b.subarray(0, 2 * V), 'earlier positions keep their logits');
      assert.ok(maxAbsDiff(a.subarray(2 * V, 3 * V), b.subarray(2 * V, 3 * V)) > 1e-2, 'the steered position moves');
      for (const name of SITES.slice(0, 2)) assert.deepEqual(steered[name].data, got[name].data, `${name} is upstream of the delta`);
      const moved = values(steered[SITES[2]]).subarray(2 * H, 3 * H);
      const expect = values(got[SITES[2]]).subarray(2 * H, 3 * H).map((x, i) => x + delta[2 * H + i]);
      assert.ok(maxAbsDiff(moved, expect) <= (v.fp16 ? 2 ** -11 * Math.max(...Array.from(expect, Math.abs)) : 1e-6), 'the capture sees site + delta');
    } finally {
      await Promise.all([session.release(), base.release()]);
    }
  });
}

test('builder graphs keep their other structure: node count grows only by our Adds and Identities', () => {
  for (const v of VARIANTS) {
    const before = OnnxModel.parse(load(v)).graph.nodes.length;
    const after = OnnxModel.parse(instrumentDecoder(load(v), { capture: [0, 1, 2], intervene: [0, 1, 2] }).bytes).graph.nodes.length;
    assert.equal(after, before + 6, v.file);
  }
});

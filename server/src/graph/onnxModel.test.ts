import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { mergeWithUseCacheIf, moveWeightsToExternalData } from '../../test/support/decoderVariants';
import { BUNDLED_DECODER, decoderFeeds, floats, sessionFromBytes, tinyDecoder, tinyReference, zeroDelta } from '../../test/support/graphTestFixtures';
import { instrumentDecoder } from './instrumentDecoder';
import { GraphProtoField, ModelProtoField, NodeProtoField, decodeStringEntry, encodeStringEntry, nameOfMessage } from './onnxFields';
import { OnnxModel } from './onnxModel';
import {
  ProtobufError,
  WireField,
  lengthDelimitedField,
  parseMessage,
  payloadOf,
  serializeMessage,
  stringField,
  stringOf,
  varintField,
  varintOf,
} from './protobufWire';

function assertRoundTrip(bytes: Uint8Array, what: string): void {
  const model = OnnxModel.parse(bytes);
  for (const n of model.graph.nodes) for (const a of n.graphAttributeNames()) n.subgraph(a)!.nodes.forEach((s) => s.inputs);
  const again = model.serialize();
  assert.equal(again.length, bytes.length, what);
  assert.ok(Buffer.from(again).equals(Buffer.from(bytes)), `${what}: bytes differ`);
}

test('an unmodified model round-trips byte for byte', () => {
  const plain = tinyDecoder();
  assertRoundTrip(plain, 'tiny decoder');
  assertRoundTrip(mergeWithUseCacheIf(plain), 'If-merged decoder (subgraphs decoded, not edited)');
  assertRoundTrip(moveWeightsToExternalData(plain, 'w.onnx_data').model, 'external-data decoder');
});

test('the larger scratch export round-trips byte for byte', (t) => {
  if (!fs.existsSync(BUNDLED_DECODER)) {
    t.skip(`${BUNDLED_DECODER} is absent`);
    return;
  }
  assertRoundTrip(new Uint8Array(fs.readFileSync(BUNDLED_DECODER)), BUNDLED_DECODER);
});

// Nodes that instrumentation edits (an output renamed, an input rewired) and one it leaves alone.
const TAGGED = ['/model/layers.1/Add_1', '/model/layers.0/Add', '/model/layers.0/self_attn/q_proj/MatMul'];
const BIG = (1n << 62n) + 1n;

/** The fixture with IR 10, node metadata_props (field 9, newer than IR 8), and unknown fields at three levels. */
function withNewerIrFields(bytes: Uint8Array): Uint8Array {
  const top = parseMessage(bytes).map((f) => {
    if (f.field === ModelProtoField.irVersion) return varintField(f.field, 10);
    if (f.field !== ModelProtoField.graph) return f;
    const graph = parseMessage(payloadOf(f)).map((g) => {
      if (g.field !== GraphProtoField.node || !TAGGED.includes(nameOfMessage(payloadOf(g), NodeProtoField.name))) return g;
      const name = nameOfMessage(payloadOf(g), NodeProtoField.name);
      return lengthDelimitedField(g.field, serializeMessage([...parseMessage(payloadOf(g)),
        lengthDelimitedField(NodeProtoField.metadataProps, encodeStringEntry('origin', name)), varintField(1000, BIG)]));
    });
    return lengthDelimitedField(f.field, serializeMessage([...graph, stringField(999, 'graph extension')]));
  });
  return serializeMessage([...top, stringField(998, 'model extension'), varintField(997, BIG)]);
}

const one = (fields: WireField[], n: number) => {
  const f = fields.filter((x) => x.field === n);
  assert.equal(f.length, 1, `field ${n}`);
  return f[0];
};

test('node metadata_props and unknown fields survive instrumentation', async () => {
  const source = withNewerIrFields(tinyDecoder());
  assertRoundTrip(source, 'model with newer-IR and unknown fields');
  const inst = instrumentDecoder(source, { capture: [0, 2, 3], intervene: [0, 2] });
  const top = parseMessage(inst.bytes);
  assert.equal(varintOf(one(top, ModelProtoField.irVersion)), 10n);
  assert.equal(stringOf(one(top, 998)), 'model extension');
  assert.equal(varintOf(one(top, 997)), BIG, 'an unknown int64 beyond 2^53 is kept exactly');
  const graph = parseMessage(payloadOf(one(top, ModelProtoField.graph)));
  assert.equal(stringOf(one(graph, 999)), 'graph extension');
  const nodes = graph.filter((f) => f.field === GraphProtoField.node).map((f) => parseMessage(payloadOf(f)));
  for (const name of TAGGED) {
    const node = nodes.find((n) => n.some((f) => f.field === NodeProtoField.name && stringOf(f) === name));
    assert.ok(node, name);
    assert.deepEqual(decodeStringEntry(payloadOf(one(node, NodeProtoField.metadataProps))), { key: 'origin', value: name });
    assert.equal(varintOf(one(node, 1000)), BIG, `${name}: unknown field`);
  }
  // the edits really touched two of the tagged nodes
  const edited = OnnxModel.parse(inst.bytes).graph.nodes;
  assert.equal(edited.find((n) => n.name === TAGGED[0])!.outputs[0], '/spatial_id_lens/blocks.2.hook_resid_pre/pre_delta');
  assert.equal(edited.find((n) => n.name === TAGGED[1])!.inputs[0], '/spatial_id_lens/blocks.0.hook_resid_pre/post_delta');

  // onnxruntime loads the edited IR-10 model from memory and it computes what the original does
  const ref = tinyReference();
  const base = await sessionFromBytes(source);
  const session = await sessionFromBytes(inst.bytes);
  const want = floats((await base.run(decoderFeeds(ref, ref.inputs_embeds))).logits);
  const zeros = Object.fromEntries(inst.deltaInputs.map((n) => [n, zeroDelta(ref.hidden_size)]));
  const got = floats((await session.run(decoderFeeds(ref, ref.inputs_embeds, zeros))).logits);
  assert.deepEqual(got, want);
  await Promise.all([base.release(), session.release()]);
});

test('a truncated or non-ONNX file is a clear error', () => {
  const bytes = tinyDecoder();
  assert.throws(() => OnnxModel.parse(bytes.subarray(0, bytes.length >> 1)), ProtobufError);
  assert.throws(() => OnnxModel.parse(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), ProtobufError);
  assert.throws(() => OnnxModel.parse(serializeMessage([varintField(1, 7)])), /no ONNX graph/);
});

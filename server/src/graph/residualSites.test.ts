import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { fuseSkipSimplifiedNorm, mergeWithUseCacheIf } from '../../test/support/decoderVariants';
import { BUNDLED_DECODER, ortOptimized, tinyDecoder } from '../../test/support/graphTestFixtures';
import { GraphProtoField, ModelProtoField, NodeProtoField } from './onnxFields';
import { OnnxModel } from './onnxModel';
import { WireField, lengthDelimitedField, parseMessage, payloadOf, serializeMessage } from './protobufWire';
import { GraphInstrumentationError, findResidualSites, locateResidualSites } from './residualSites';

const PLAIN_TENSORS = ['inputs_embeds', '/model/layers.0/Add_1_output_0', '/model/layers.1/Add_1_output_0', '/model/layers.2/Add_1_output_0'];

test('plain export: one site per layer, the Add whose output leaves layers.N', () => {
  const layout = findResidualSites(tinyDecoder());
  assert.equal(layout.layout, 'plain');
  assert.deepEqual([layout.numLayers, layout.hiddenSize, layout.elemType, layout.batchDim, layout.seqDim], [3, 64, 1, 'batch_size', 'sequence_length']);
  assert.deepEqual(layout.sites.map((s) => s.name), ['blocks.0.hook_resid_pre', 'blocks.1.hook_resid_pre', 'blocks.2.hook_resid_pre', 'blocks.2.hook_resid_post']);
  assert.deepEqual(layout.sites.map((s) => s.layer), [0, 1, 2, 3], 'numeric layers keep their meaning: 0 is the embeddings');
  assert.deepEqual(layout.sites.map((s) => s.tensor), PLAIN_TENSORS);
  assert.deepEqual(layout.sites.map((s) => s.kind), ['graphInput', 'addOutput', 'addOutput', 'addOutput']);
  assert.deepEqual(layout.sites.slice(1).map((s) => s.node?.name), ['/model/layers.0/Add_1', '/model/layers.1/Add_1', '/model/layers.2/Add_1']);
});

/** The fixture with every node name removed: only structure is left. */
function withoutNodeNames(bytes: Uint8Array): Uint8Array {
  const edit = (f: WireField, n: number, fn: (inner: WireField[]) => WireField[]) =>
    (f.field === n ? lengthDelimitedField(n, serializeMessage(fn(parseMessage(payloadOf(f))))) : f);
  return serializeMessage(parseMessage(bytes).map((m) => edit(m, ModelProtoField.graph, (graph) =>
    graph.map((g) => edit(g, GraphProtoField.node, (node) => node.filter((x) => x.field !== NodeProtoField.name))))));
}

test('without node names, the residual chain finds the same sites', () => {
  const layout = findResidualSites(withoutNodeNames(tinyDecoder()));
  assert.deepEqual(layout.sites.map((s) => s.tensor), PLAIN_TENSORS);
});

test('onnxruntime-optimised graph (SimplifiedLayerNormalization): same sites', async () => {
  const layout = findResidualSites(await ortOptimized(tinyDecoder()));
  assert.equal(layout.layout, 'plain');
  assert.deepEqual(layout.sites.map((s) => s.tensor), PLAIN_TENSORS);
});

test('fused graph: SkipSimplifiedLayerNormalization output 3, absent on the final norm', async () => {
  const fused = fuseSkipSimplifiedNorm(await ortOptimized(tinyDecoder()));
  const ops = OnnxModel.parse(fused).graph.nodes.map((n) => n.opType);
  assert.equal(ops.filter((o) => o === 'SkipSimplifiedLayerNormalization').length, 6, 'two fused residual adds per layer');
  const layout = findResidualSites(fused);
  assert.equal(layout.layout, 'fused');
  assert.deepEqual(layout.sites.map((s) => s.kind), ['graphInput', 'skipNormSum', 'skipNormSum', 'skipNormSum']);
  assert.deepEqual(layout.sites.map((s) => s.tensor), [...PLAIN_TENSORS.slice(0, 3), ''], 'the last sum is not materialised');
  assert.equal(layout.sites[3].node?.name, '/model/layers.2/Add_1/SkipSimplifiedLayerNorm');
});

test('If-merged decoder: sites inside both branches', () => {
  const { layout, graphs } = locateResidualSites(OnnxModel.parse(mergeWithUseCacheIf(tinyDecoder())));
  assert.equal(layout.layout, 'if-merged');
  assert.deepEqual(graphs.map((g) => g.branch), ['then_branch', 'else_branch']);
  for (const g of graphs) assert.deepEqual(g.sites.map((s) => s.tensor), PLAIN_TENSORS, g.branch);
});

test('the scratch export of the bundled architecture has a site per layer', (t) => {
  if (!fs.existsSync(BUNDLED_DECODER)) {
    t.skip(`${BUNDLED_DECODER} is absent`);
    return;
  }
  const layout = findResidualSites(new Uint8Array(fs.readFileSync(BUNDLED_DECODER)));
  assert.equal(layout.sites.length, layout.numLayers + 1);
  layout.sites.slice(1).forEach((s, k) => assert.match(s.node!.name, new RegExp(`/layers\\.${k}/Add_1$`)));
});

test('a graph that is not a decoder, or a wrong layer count, is a clear error', () => {
  assert.throws(() => findResidualSites(tinyDecoder(), { embedsInput: 'input_ids' }), (e: Error) => e instanceof GraphInstrumentationError && /no "input_ids" input/.test(e.message));
  assert.throws(() => findResidualSites(withoutNodeNames(tinyDecoder()), { numLayers: 4 }), /do not split into 4 layers/);
});

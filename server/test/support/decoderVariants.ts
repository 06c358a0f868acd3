import { ATTRIBUTE_TYPE_GRAPH, AttributeProtoField, GraphProtoField, ModelProtoField, OperatorSetIdField, encodeNode, encodeOpsetImport, encodeStringEntry, encodeTensorValueInfo, nameOfMessage } from '../../src/graph/onnxFields';
import { OnnxModel } from '../../src/graph/onnxModel';
import {
  WireField,
  concatBytes,
  lengthDelimitedField,
  parseMessage,
  payloadOf,
  serializeMessage,
  stringField,
  stringOf,
  varintField,
} from '../../src/graph/protobufWire';

/**
 * Other layouts of the same decoder, built at the wire level, so that instrumentation can be
 * tested on layouts our exporter does not write (Python onnxruntime, whose transformer
 * optimizer writes fused graphs, is not installed here):
 * - fuseSkipSimplifiedNorm: Add + SimplifiedLayerNormalization -> SkipSimplifiedLayerNormalization
 *   (com.microsoft), as onnxruntime's transformer optimizer fuses Llama residual adds; run it on
 *   a graph that onnxruntime has optimised at level 'extended' (RMSNorm already fused).
 * - mergeWithUseCacheIf: an optimum-style If-merged decoder (`use_cache_branch` picks
 *   then_branch / else_branch); both branches are the original graph, initializers stay outside.
 * - moveWeightsToExternalData: initializers' raw_data moved to a side file.
 */

const ELEM_BOOL = 9;
const TensorField = { rawData: 9, externalData: 13, dataLocation: 14 } as const;
const DATA_LOCATION_EXTERNAL = 1;

function graphRecords(model: Uint8Array): { top: WireField[]; graph: WireField[]; gi: number } {
  const top = parseMessage(model);
  const gi = top.findIndex((f) => f.field === ModelProtoField.graph);
  return { top, graph: parseMessage(payloadOf(top[gi])), gi };
}

function withGraph(top: WireField[], gi: number, graph: Uint8Array): Uint8Array {
  const out = top.slice();
  out[gi] = lengthDelimitedField(ModelProtoField.graph, graph);
  return serializeMessage(out);
}

export function fuseSkipSimplifiedNorm(modelBytes: Uint8Array): Uint8Array {
  const model = OnnxModel.parse(modelBytes);
  const g = model.graph;
  const producers = new Map(g.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const readers = (t: string) => g.nodes.filter((n) => n.inputs.includes(t)).length + (g.outputs.some((o) => o.name === t) ? 1 : 0);
  let fused = 0;
  for (const norm of g.nodes.filter((n) => n.opType === 'SimplifiedLayerNormalization')) {
    const add = producers.get(norm.inputs[0]);
    if (!add || add.opType !== 'Add' || add.domain !== '' || add.inputs.length !== 2) continue;
    const sum = add.outputs[0];
    const epsilon = norm.attributeBytes().filter((a) => nameOfMessage(a, AttributeProtoField.name) === 'epsilon');
    const outputs = readers(sum) > 1 ? [norm.outputs[0], '', '', sum] : [norm.outputs[0]];
    g.insertNode(encodeNode({
      name: `${add.name}/SkipSimplifiedLayerNorm`, opType: 'SkipSimplifiedLayerNormalization', domain: 'com.microsoft',
      inputs: [add.inputs[0], add.inputs[1], norm.inputs[1]], outputs, attributes: epsilon,
    }), { before: add });
    g.removeNode(add);
    g.removeNode(norm);
    fused++;
  }
  if (!fused) throw new Error('no Add + SimplifiedLayerNormalization pairs to fuse: optimise the graph with onnxruntime (level extended) first');
  const hasMs = model.fields.some((f) => f.field === ModelProtoField.opsetImport
    && parseMessage(payloadOf(f)).some((x) => x.field === OperatorSetIdField.domain && stringOf(x) === 'com.microsoft'));
  if (!hasMs) model.appendField(lengthDelimitedField(ModelProtoField.opsetImport, encodeOpsetImport('com.microsoft', 1)));
  return model.serialize();
}

function graphAttribute(name: string, graph: Uint8Array): Uint8Array {
  return serializeMessage([stringField(AttributeProtoField.name, name), lengthDelimitedField(AttributeProtoField.graph, graph),
    varintField(AttributeProtoField.type, ATTRIBUTE_TYPE_GRAPH)]);
}

export function mergeWithUseCacheIf(modelBytes: Uint8Array): Uint8Array {
  const { top, graph, gi } = graphRecords(modelBytes);
  const of = (n: number) => graph.filter((f) => f.field === n);
  const outputNames = of(GraphProtoField.output).map((f) => nameOfMessage(payloadOf(f), 1));
  const branch = (name: string) => serializeMessage([...of(GraphProtoField.node), stringField(GraphProtoField.name, name),
    ...of(GraphProtoField.output), ...of(GraphProtoField.valueInfo)]);
  const ifNode = encodeNode({
    name: 'optimum::if', opType: 'If', inputs: ['use_cache_branch'], outputs: outputNames,
    attributes: [graphAttribute('then_branch', branch('with_past')), graphAttribute('else_branch', branch('no_past'))],
  });
  const kept = new Set<number>([GraphProtoField.node, GraphProtoField.output, GraphProtoField.valueInfo]);
  const outer = [lengthDelimitedField(GraphProtoField.node, ifNode), ...graph.filter((f) => !kept.has(f.field)),
    lengthDelimitedField(GraphProtoField.input, encodeTensorValueInfo('use_cache_branch', ELEM_BOOL, [1])), ...of(GraphProtoField.output)];
  return withGraph(top, gi, serializeMessage(outer));
}

export function moveWeightsToExternalData(modelBytes: Uint8Array, location: string, minBytes = 1024): { model: Uint8Array; data: Uint8Array } {
  const { top, graph, gi } = graphRecords(modelBytes);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const edited = graph.map((f) => {
    if (f.field !== GraphProtoField.initializer) return f;
    const tensor = parseMessage(payloadOf(f));
    const raw = tensor.find((x) => x.field === TensorField.rawData);
    if (!raw || payloadOf(raw).length < minBytes) return f;
    const data = payloadOf(raw);
    const entries = [['location', location], ['offset', String(offset)], ['length', String(data.length)]]
      .map(([k, v]) => lengthDelimitedField(TensorField.externalData, encodeStringEntry(k, v)));
    chunks.push(data);
    offset += data.length;
    const rest = tensor.filter((x) => x !== raw);
    return lengthDelimitedField(GraphProtoField.initializer, serializeMessage([...rest, ...entries, varintField(TensorField.dataLocation, DATA_LOCATION_EXTERNAL)]));
  });
  return { model: withGraph(top, gi, serializeMessage(edited)), data: concatBytes(chunks) };
}

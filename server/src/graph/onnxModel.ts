import {
  AttributeProtoField,
  GraphProtoField,
  ModelProtoField,
  NodeProtoField,
  TensorProtoField,
  TensorValueInfo,
  decodeValueInfo,
  expectLengthDelimited,
  nameOfMessage,
} from './onnxFields';
import {
  ProtobufError,
  WireField,
  lengthDelimitedField,
  parseMessage,
  serializeMessage,
  stringField,
  stringOf,
  varintOf,
} from './protobufWire';

/**
 * An editable view of an ONNX ModelProto that decodes only the graph structure (nodes'
 * inputs/outputs/name/op_type/domain, graph inputs/outputs/value_info names and types) and
 * keeps every other record as its original bytes. Serialising an unedited model returns
 * the input bytes exactly; an edited one re-encodes only the messages on the path to an edit.
 */

export class OnnxNode {
  inputs: string[];
  outputs: string[];
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  private edited = false;
  private readonly subgraphs = new Map<number, OnnxGraph>();

  private constructor(
    private readonly fields: WireField[],
    private readonly original: Uint8Array,
  ) {
    const str = (n: number) => fields.filter((f) => f.field === n).map(stringOf);
    this.inputs = str(NodeProtoField.input);
    this.outputs = str(NodeProtoField.output);
    this.name = str(NodeProtoField.name)[0] ?? '';
    this.opType = str(NodeProtoField.opType)[0] ?? '';
    this.domain = str(NodeProtoField.domain)[0] ?? '';
  }

  static parse(bytes: Uint8Array): OnnxNode {
    return new OnnxNode(parseMessage(bytes), bytes);
  }

  /** `domain::op_type`, or the bare op_type in the default domain. */
  get qualifiedOp(): string {
    return this.domain && this.domain !== 'ai.onnx' ? `${this.domain}::${this.opType}` : this.opType;
  }

  setInput(i: number, name: string): void {
    while (this.inputs.length <= i) this.inputs.push('');
    this.inputs[i] = name;
    this.edited = true;
  }

  /** Sets output i, padding skipped optional outputs with "" as ONNX requires. */
  setOutput(i: number, name: string): void {
    while (this.outputs.length <= i) this.outputs.push('');
    this.outputs[i] = name;
    this.edited = true;
  }

  /** Names of this node's graph-valued attributes (If: then_branch/else_branch, Loop/Scan: body). */
  graphAttributeNames(): string[] {
    return this.fields.filter((f) => f.field === NodeProtoField.attribute)
      .map((f) => parseMessage(expectLengthDelimited(f, 'attribute')))
      .filter((a) => a.some((x) => x.field === AttributeProtoField.graph))
      .map((a) => stringOf(a.find((x) => x.field === AttributeProtoField.name)!));
  }

  /** The subgraph held by attribute `attrName` (decoded once; edits to it are kept). */
  subgraph(attrName: string): OnnxGraph | undefined {
    for (let i = 0; i < this.fields.length; i++) {
      const f = this.fields[i];
      if (f.field !== NodeProtoField.attribute) continue;
      const attr = parseMessage(expectLengthDelimited(f, 'attribute'));
      const name = attr.find((x) => x.field === AttributeProtoField.name);
      const g = attr.find((x) => x.field === AttributeProtoField.graph);
      if (!name || !g || stringOf(name) !== attrName) continue;
      let graph = this.subgraphs.get(i);
      if (!graph) {
        graph = OnnxGraph.parse(expectLengthDelimited(g, 'attribute graph'));
        this.subgraphs.set(i, graph);
      }
      return graph;
    }
    return undefined;
  }

  /** The AttributeProto messages of this node, as stored. */
  attributeBytes(): Uint8Array[] {
    return this.fields.filter((f) => f.field === NodeProtoField.attribute).map((f) => expectLengthDelimited(f, 'attribute'));
  }

  isEdited(): boolean {
    return this.edited || [...this.subgraphs.values()].some((g) => g.isEdited());
  }

  /**
   * The NodeProto bytes. Unedited: the original bytes. Edited: the original records in their
   * order, with input/output records replaced in sequence (extra names follow the last one of
   * their kind) and edited subgraph attributes re-encoded; every other record is kept as is.
   */
  serialize(): Uint8Array {
    if (!this.isEdited()) return this.original;
    const out: WireField[] = [];
    const kinds = this.fields.map((f) => f.field);
    const lastIn = kinds.lastIndexOf(NodeProtoField.input);
    const lastOut = kinds.lastIndexOf(NodeProtoField.output);
    let ii = 0;
    let oi = 0;
    const restOfInputs = () => {
      while (ii < this.inputs.length) out.push(stringField(NodeProtoField.input, this.inputs[ii++]));
    };
    const restOfOutputs = () => {
      while (oi < this.outputs.length) out.push(stringField(NodeProtoField.output, this.outputs[oi++]));
    };
    if (lastIn < 0) restOfInputs();
    if (lastOut < 0) restOfOutputs();
    this.fields.forEach((f, idx) => {
      if (f.field === NodeProtoField.input) {
        if (ii < this.inputs.length) out.push(stringField(f.field, this.inputs[ii++]));
      } else if (f.field === NodeProtoField.output) {
        if (oi < this.outputs.length) out.push(stringField(f.field, this.outputs[oi++]));
      } else if (this.subgraphs.get(idx)?.isEdited()) {
        const graph = this.subgraphs.get(idx)!;
        const attr = parseMessage(expectLengthDelimited(f, 'attribute'))
          .map((x) => (x.field === AttributeProtoField.graph ? lengthDelimitedField(x.field, graph.serialize()) : x));
        out.push(lengthDelimitedField(f.field, serializeMessage(attr)));
      } else {
        out.push(f);
      }
      if (idx === lastIn) restOfInputs();
      if (idx === lastOut) restOfOutputs();
    });
    return serializeMessage(out);
  }
}

type GraphEntry = { kind: 'node'; node: OnnxNode } | { kind: 'field'; field: WireField };

export class OnnxGraph {
  private readonly entries: GraphEntry[];
  private structureEdited = false;
  private nodeCache: OnnxNode[] | null = null;

  private constructor(fields: WireField[], private readonly original: Uint8Array) {
    this.entries = fields.map((f) => (f.field === GraphProtoField.node
      ? { kind: 'node', node: OnnxNode.parse(expectLengthDelimited(f, 'node')) }
      : { kind: 'field', field: f }));
  }

  static parse(bytes: Uint8Array): OnnxGraph {
    return new OnnxGraph(parseMessage(bytes), bytes);
  }

  /** Nodes in file order (ONNX requires it to be topological). */
  get nodes(): OnnxNode[] {
    if (!this.nodeCache) this.nodeCache = this.entries.flatMap((e) => (e.kind === 'node' ? [e.node] : []));
    return this.nodeCache;
  }

  get name(): string {
    const f = this.fieldsOf(GraphProtoField.name)[0];
    return f ? stringOf(f) : '';
  }

  get inputs(): TensorValueInfo[] {
    return this.fieldsOf(GraphProtoField.input).map((f) => decodeValueInfo(expectLengthDelimited(f, 'input')));
  }

  get outputs(): TensorValueInfo[] {
    return this.fieldsOf(GraphProtoField.output).map((f) => decodeValueInfo(expectLengthDelimited(f, 'output')));
  }

  get valueInfos(): TensorValueInfo[] {
    return this.fieldsOf(GraphProtoField.valueInfo).map((f) => decodeValueInfo(expectLengthDelimited(f, 'value_info')));
  }

  initializerNames(): Set<string> {
    return new Set(this.fieldsOf(GraphProtoField.initializer).map((f) => nameOfMessage(expectLengthDelimited(f, 'initializer'), TensorProtoField.name)));
  }

  /** Initializer name -> TensorProto.DataType (weights are not decoded, only their header fields). */
  initializerTypes(): Map<string, number> {
    const map = new Map<string, number>();
    for (const f of this.fieldsOf(GraphProtoField.initializer)) {
      const fields = parseMessage(expectLengthDelimited(f, 'initializer'));
      const name = fields.find((x) => x.field === TensorProtoField.name);
      const type = fields.find((x) => x.field === TensorProtoField.dataType);
      if (name && type) map.set(stringOf(name), Number(varintOf(type)));
    }
    return map;
  }

  private fieldsOf(n: number): WireField[] {
    return this.entries.flatMap((e) => (e.kind === 'field' && e.field.field === n ? [e.field] : []));
  }

  /** Inserts `bytes` (a NodeProto) immediately before or after `ref`; at the start when ref is null. */
  insertNode(bytes: Uint8Array, where: { before: OnnxNode | null } | { after: OnnxNode }): OnnxNode {
    const node = OnnxNode.parse(bytes);
    let at: number;
    if ('after' in where) {
      at = this.indexOfNode(where.after) + 1;
    } else if (where.before) {
      at = this.indexOfNode(where.before);
    } else {
      const first = this.entries.findIndex((e) => e.kind === 'node');
      at = first < 0 ? this.entries.length : first;
    }
    this.entries.splice(at, 0, { kind: 'node', node });
    this.structureEdited = true;
    this.nodeCache = null;
    return node;
  }

  removeNode(node: OnnxNode): void {
    this.entries.splice(this.indexOfNode(node), 1);
    this.structureEdited = true;
    this.nodeCache = null;
  }

  private indexOfNode(node: OnnxNode): number {
    const i = this.entries.findIndex((e) => e.kind === 'node' && e.node === node);
    if (i < 0) throw new Error(`node ${node.name} is not in this graph`);
    return i;
  }

  /** Appends a record of field `n` (input/output/value_info) after the last one of its kind. */
  appendField(n: number, payload: Uint8Array): void {
    let at = -1;
    this.entries.forEach((e, i) => {
      if (e.kind === 'field' && e.field.field === n) at = i;
    });
    this.entries.splice(at < 0 ? this.entries.length : at + 1, 0, { kind: 'field', field: lengthDelimitedField(n, payload) });
    this.structureEdited = true;
  }

  isEdited(): boolean {
    return this.structureEdited || this.nodes.some((n) => n.isEdited());
  }

  serialize(): Uint8Array {
    if (!this.isEdited()) return this.original;
    return serializeMessage(this.entries.map((e) => (e.kind === 'field' ? e.field : lengthDelimitedField(GraphProtoField.node, e.node.serialize()))));
  }
}

export class OnnxModel {
  /** ModelProto records; `graph` stands for the one with field number 7. */
  readonly fields: WireField[];
  readonly graph: OnnxGraph;
  private fieldsChanged = false;

  private constructor(private readonly original: Uint8Array) {
    this.fields = parseMessage(original);
    const graphs = this.fields.map((f, i) => (f.field === ModelProtoField.graph ? i : -1)).filter((i) => i >= 0);
    if (graphs.length !== 1) throw new ProtobufError(graphs.length ? 'the model has several graph fields' : 'the file has no ONNX graph (ModelProto field 7 missing)');
    this.graph = OnnxGraph.parse(expectLengthDelimited(this.fields[graphs[0]], 'graph'));
  }

  /** Parses the top level of a ModelProto; throws ProtobufError when the bytes are not one. */
  static parse(bytes: Uint8Array): OnnxModel {
    return new OnnxModel(bytes);
  }

  /** Appends a top-level record (e.g. an opset_import) after the last one of its field number. */
  appendField(field: WireField): void {
    const at = this.fields.map((f) => f.field).lastIndexOf(field.field);
    this.fields.splice(at < 0 ? this.fields.length : at + 1, 0, field);
    this.fieldsChanged = true;
  }

  serialize(): Uint8Array {
    if (!this.fieldsChanged && !this.graph.isEdited()) return this.original;
    const gi = this.fields.findIndex((f) => f.field === ModelProtoField.graph);
    const out = this.fields.slice();
    if (this.graph.isEdited()) out[gi] = lengthDelimitedField(ModelProtoField.graph, this.graph.serialize());
    return serializeMessage(out);
  }
}

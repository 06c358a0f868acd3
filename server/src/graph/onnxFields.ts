import {
  ProtobufError,
  WireField,
  WireType,
  lengthDelimitedField,
  parseMessage,
  payloadOf,
  serializeMessage,
  stringField,
  stringOf,
  varintField,
  varintOf,
} from './protobufWire';

/**
 * The few ONNX field numbers (onnx/onnx.proto3) that instrumentation reads or writes.
 * Everything else in a model is carried through as opaque records.
 */
export const ModelProtoField = { irVersion: 1, graph: 7, opsetImport: 8, metadataProps: 14, functions: 25 } as const;
export const GraphProtoField = { node: 1, name: 2, initializer: 5, input: 11, output: 12, valueInfo: 13 } as const;
export const NodeProtoField = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, docString: 6, domain: 7, metadataProps: 9 } as const;
export const AttributeProtoField = { name: 1, i: 3, t: 5, graph: 6, type: 20 } as const;
export const ValueInfoProtoField = { name: 1, type: 2 } as const;
export const TypeProtoField = { tensorType: 1 } as const;
export const TensorTypeField = { elemType: 1, shape: 2 } as const;
export const TensorShapeField = { dim: 1 } as const;
export const DimensionField = { dimValue: 1, dimParam: 2 } as const;
export const TensorProtoField = { dataType: 2, name: 8 } as const;
export const OperatorSetIdField = { domain: 1, version: 2 } as const;
export const StringStringEntryField = { key: 1, value: 2 } as const;

/** TensorProto.DataType values we name. */
export const ElemType = { FLOAT: 1, FLOAT16: 10, BFLOAT16: 16 } as const;
/** AttributeProto.AttributeType.GRAPH */
export const ATTRIBUTE_TYPE_GRAPH = 5;

/** A dimension: a fixed size (BigInt when beyond 2^53), a symbolic name, or unknown (null). */
export type Dim = number | bigint | string | null;

export interface TensorValueInfo {
  name: string;
  /** TensorProto.DataType, or undefined when the value is not a tensor or carries no type. */
  elemType?: number;
  /** undefined when the shape is unknown (no shape field at all). */
  dims?: Dim[];
}

function firstOf(fields: readonly WireField[], n: number): WireField | undefined {
  return fields.find((f) => f.field === n);
}

/** A protobuf int64 stored as a varint, as a number when exact and a BigInt beyond 2^53. */
export function int64Of(f: WireField): number | bigint {
  let v = varintOf(f);
  if (v >= 1n << 63n) v -= 1n << 64n; // two's complement
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
}

/** An AttributeProto's name, its int value (`i`) and the data type of its tensor value (`t`), where present. */
export function decodeAttribute(bytes: Uint8Array): { name: string; i?: number | bigint; tensorType?: number } {
  const fields = parseMessage(bytes);
  const name = firstOf(fields, AttributeProtoField.name);
  const out: { name: string; i?: number | bigint; tensorType?: number } = { name: name ? stringOf(name) : '' };
  const i = firstOf(fields, AttributeProtoField.i);
  if (i) out.i = int64Of(i);
  const t = firstOf(fields, AttributeProtoField.t);
  const dt = t && firstOf(parseMessage(payloadOf(t)), TensorProtoField.dataType);
  if (dt) out.tensorType = Number(varintOf(dt));
  return out;
}

export function nameOfMessage(bytes: Uint8Array, nameField: number): string {
  const f = firstOf(parseMessage(bytes), nameField);
  return f ? stringOf(f) : '';
}

export function decodeValueInfo(bytes: Uint8Array): TensorValueInfo {
  const fields = parseMessage(bytes);
  const nameField = firstOf(fields, ValueInfoProtoField.name);
  const info: TensorValueInfo = { name: nameField ? stringOf(nameField) : '' };
  const type = firstOf(fields, ValueInfoProtoField.type);
  const tensor = type && firstOf(parseMessage(payloadOf(type)), TypeProtoField.tensorType);
  if (!tensor) return info;
  const tfields = parseMessage(payloadOf(tensor));
  const elem = firstOf(tfields, TensorTypeField.elemType);
  if (elem) info.elemType = Number(varintOf(elem));
  const shape = firstOf(tfields, TensorTypeField.shape);
  if (shape) {
    info.dims = parseMessage(payloadOf(shape))
      .filter((f) => f.field === TensorShapeField.dim)
      .map((d) => {
        const df = parseMessage(payloadOf(d));
        const v = firstOf(df, DimensionField.dimValue);
        if (v) return int64Of(v);
        const p = firstOf(df, DimensionField.dimParam);
        return p ? stringOf(p) : null;
      });
  }
  return info;
}

/** A ValueInfoProto for a tensor; dims are fixed sizes (number/BigInt) or symbolic names. */
export function encodeTensorValueInfo(name: string, elemType: number, dims: readonly Dim[]): Uint8Array {
  const dimRecords = dims.map((d) => {
    const inner: WireField[] = [];
    if (typeof d === 'number' || typeof d === 'bigint') inner.push(varintField(DimensionField.dimValue, d));
    else if (typeof d === 'string') inner.push(stringField(DimensionField.dimParam, d));
    return lengthDelimitedField(TensorShapeField.dim, serializeMessage(inner));
  });
  const tensorType = serializeMessage([
    varintField(TensorTypeField.elemType, elemType),
    lengthDelimitedField(TensorTypeField.shape, serializeMessage(dimRecords)),
  ]);
  const type = serializeMessage([lengthDelimitedField(TypeProtoField.tensorType, tensorType)]);
  return serializeMessage([stringField(ValueInfoProtoField.name, name), lengthDelimitedField(ValueInfoProtoField.type, type)]);
}

export interface NewNodeSpec {
  name: string;
  opType: string;
  domain?: string;
  inputs: readonly string[];
  outputs: readonly string[];
  /** Already-encoded AttributeProto messages. */
  attributes?: readonly Uint8Array[];
}

/** A NodeProto with fields in the order onnx writes them. */
export function encodeNode(spec: NewNodeSpec): Uint8Array {
  const fields: WireField[] = [
    ...spec.inputs.map((s) => stringField(NodeProtoField.input, s)),
    ...spec.outputs.map((s) => stringField(NodeProtoField.output, s)),
    stringField(NodeProtoField.name, spec.name),
    stringField(NodeProtoField.opType, spec.opType),
    ...(spec.attributes ?? []).map((a) => lengthDelimitedField(NodeProtoField.attribute, a)),
  ];
  if (spec.domain) fields.push(stringField(NodeProtoField.domain, spec.domain));
  return serializeMessage(fields);
}

/** A StringStringEntryProto (metadata_props entries of models, graphs, nodes). */
export function encodeStringEntry(key: string, value: string): Uint8Array {
  return serializeMessage([stringField(StringStringEntryField.key, key), stringField(StringStringEntryField.value, value)]);
}

export function decodeStringEntry(bytes: Uint8Array): { key: string; value: string } {
  const f = parseMessage(bytes);
  const k = firstOf(f, StringStringEntryField.key);
  const v = firstOf(f, StringStringEntryField.value);
  return { key: k ? stringOf(k) : '', value: v ? stringOf(v) : '' };
}

/** An OperatorSetIdProto. */
export function encodeOpsetImport(domain: string, version: number): Uint8Array {
  return serializeMessage([stringField(OperatorSetIdField.domain, domain), varintField(OperatorSetIdField.version, version)]);
}

export function expectLengthDelimited(f: WireField, what: string): Uint8Array {
  if (f.wire !== WireType.LengthDelimited) throw new ProtobufError(`${what} (field ${f.field}) is not length-delimited`);
  return payloadOf(f);
}

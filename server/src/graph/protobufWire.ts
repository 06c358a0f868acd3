/**
 * Protocol-buffer wire format, at the level of (field number, wire type, bytes) records.
 *
 * Why hand-rolled rather than a generated ONNX class: we edit models by splicing records.
 * A message is parsed into its records, each keeping the exact bytes it was read from
 * (tag + payload, a view on the source buffer, never a copy). Re-serialising writes those
 * bytes back, so every field we do not touch (unknown fields, fields newer than the IR
 * version we know, external-data references, even non-canonical varints) survives
 * byte for byte. A decode-everything/re-encode class would drop unknown fields or
 * re-encode them in its own order; and a full decode of a multi-GB model would copy
 * every weight. The format is small (varint, 64-bit, length-delimited, 32-bit, and the
 * deprecated groups), so this module stays short.
 */

export enum WireType {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  StartGroup = 3,
  EndGroup = 4,
  Fixed32 = 5,
}

/** One field occurrence: `raw` is the whole record (tag + payload) as it appears on the wire. */
export interface WireField {
  readonly field: number;
  readonly wire: WireType;
  readonly raw: Uint8Array;
  /** Offset of the payload inside `raw` (after the tag, and after the length for LEN fields). */
  readonly payloadStart: number;
}

export class ProtobufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufError';
  }
}

const TWO_64 = 1n << 64n;

/** Reads a varint at `pos`; values up to 2^64 - 1 exactly (BigInt), as protobuf int64/uint64 need. */
export function readVarint(buf: Uint8Array, pos: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  for (let i = pos; i < buf.length && i < pos + 10; i++) {
    const b = buf[i];
    value |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return { value: value % TWO_64, next: i + 1 };
    shift += 7n;
  }
  throw new ProtobufError(`truncated or overlong varint at byte ${pos}`);
}

/** A varint that must fit a JS number (lengths, field tags, small enums). */
export function readSmallVarint(buf: Uint8Array, pos: number): { value: number; next: number } {
  // fast path: one byte
  if (pos < buf.length && buf[pos] < 0x80) return { value: buf[pos], next: pos + 1 };
  const { value, next } = readVarint(buf, pos);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtobufError(`varint at byte ${pos} is too large for a length or tag`);
  return { value: Number(value), next };
}

/** Reads the payload bounds of one record whose tag ends at `pos`; returns the record end. */
function skipPayload(buf: Uint8Array, pos: number, wire: WireType, field: number): { payloadStart: number; end: number } {
  switch (wire) {
    case WireType.Varint:
      return { payloadStart: pos, end: readVarint(buf, pos).next };
    case WireType.Fixed64:
      return { payloadStart: pos, end: pos + 8 };
    case WireType.Fixed32:
      return { payloadStart: pos, end: pos + 4 };
    case WireType.LengthDelimited: {
      const { value: len, next } = readSmallVarint(buf, pos);
      return { payloadStart: next, end: next + len };
    }
    case WireType.StartGroup: {
      // a deprecated group: skip nested records until the matching end-group tag
      let p = pos;
      for (;;) {
        if (p >= buf.length) throw new ProtobufError(`unterminated group (field ${field})`);
        const tag = readSmallVarint(buf, p);
        const w = (tag.value & 7) as WireType;
        const f = tag.value >>> 3;
        if (w === WireType.EndGroup) {
          if (f !== field) throw new ProtobufError(`group ${field} closed by end-group ${f}`);
          return { payloadStart: pos, end: tag.next };
        }
        p = skipPayload(buf, tag.next, w, f).end;
      }
    }
    default:
      throw new ProtobufError(`invalid wire type ${wire} (field ${field}) at byte ${pos}`);
  }
}

/** Splits a message into its records, in wire order. Throws ProtobufError on malformed input. */
export function parseMessage(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const tag = readSmallVarint(buf, pos);
    const field = tag.value >>> 3;
    const wire = (tag.value & 7) as WireType;
    if (field === 0) throw new ProtobufError(`field number 0 at byte ${start}`);
    const { payloadStart, end } = skipPayload(buf, tag.next, wire, field);
    if (end > buf.length) throw new ProtobufError(`truncated field ${field} at byte ${start}: needs ${end - buf.length} more bytes`);
    out.push({ field, wire, raw: buf.subarray(start, end), payloadStart: payloadStart - start });
    pos = end;
  }
  return out;
}

/** The payload of a record: the bytes of a LEN field, the varint bytes, or the fixed bytes. */
export function payloadOf(f: WireField): Uint8Array {
  return f.raw.subarray(f.payloadStart);
}

export function varintOf(f: WireField): bigint {
  if (f.wire !== WireType.Varint) throw new ProtobufError(`field ${f.field} is not a varint`);
  return readVarint(f.raw, f.payloadStart).value;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();

export function stringOf(f: WireField): string {
  if (f.wire !== WireType.LengthDelimited) throw new ProtobufError(`field ${f.field} is not a string`);
  return utf8Decoder.decode(payloadOf(f));
}

/** Encodes an unsigned varint; negative numbers are written as two's-complement int64, as protobuf does. */
export function encodeVarint(value: number | bigint): Uint8Array {
  let v = typeof value === 'bigint' ? value : BigInt(value);
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new ProtobufError(`varint value ${value} is not a safe integer: pass a BigInt`);
  if (v < 0n) v += TWO_64;
  if (v < 0n || v >= TWO_64) throw new ProtobufError(`varint value ${value} is out of 64-bit range`);
  const bytes: number[] = [];
  while (v >= 0x80n) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
  return Uint8Array.from(bytes);
}

function tagBytes(field: number, wire: WireType): Uint8Array {
  return encodeVarint(field * 8 + wire);
}

function record(field: number, wire: WireType, parts: Uint8Array[]): WireField {
  const tag = tagBytes(field, wire);
  const raw = concatBytes([tag, ...parts]);
  const payloadStart = wire === WireType.LengthDelimited ? tag.length + parts[0].length : tag.length;
  return { field, wire, raw, payloadStart };
}

export function lengthDelimitedField(field: number, payload: Uint8Array): WireField {
  return record(field, WireType.LengthDelimited, [encodeVarint(payload.length), payload]);
}

export function stringField(field: number, s: string): WireField {
  return lengthDelimitedField(field, utf8Encoder.encode(s));
}

export function varintField(field: number, value: number | bigint): WireField {
  return record(field, WireType.Varint, [encodeVarint(value)]);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Serialises records back to a message: the exact bytes of each, in order. */
export function serializeMessage(fields: readonly WireField[]): Uint8Array {
  return concatBytes(fields.map((f) => f.raw));
}

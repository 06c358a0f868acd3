import assert from 'node:assert/strict';
import { test } from 'node:test';
import { int64Of } from './onnxFields';
import {
  ProtobufError,
  WireType,
  encodeVarint,
  lengthDelimitedField,
  parseMessage,
  readVarint,
  serializeMessage,
  stringField,
  stringOf,
  varintField,
  varintOf,
} from './protobufWire';

test('varints round-trip, including values beyond 2^53 and negative int64', () => {
  for (const v of [0n, 1n, 127n, 128n, 300n, (1n << 53n) + 1n, (1n << 63n) + 5n, (1n << 64n) - 1n]) {
    const bytes = encodeVarint(v);
    assert.deepEqual(readVarint(bytes, 0), { value: v, next: bytes.length }, String(v));
  }
  assert.deepEqual(Array.from(encodeVarint(300)), [0xac, 0x02]);
  assert.equal(encodeVarint(-1).length, 10, 'negative int64 is a 10-byte two\'s complement varint');
  assert.equal(int64Of(varintField(1, -2n)), -2);
  assert.equal(int64Of(varintField(1, (1n << 53n) + 1n)), (1n << 53n) + 1n, 'int64 beyond 2^53 stays a BigInt');
  assert.equal(int64Of(varintField(1, 4096)), 4096);
  assert.throws(() => encodeVarint(2 ** 60), ProtobufError, 'unsafe JS numbers must be BigInts');
});

test('a message splits into records whose bytes re-serialise exactly, even non-canonical ones', () => {
  const msg = Uint8Array.from([
    0x08, 0x96, 0x01, //               field 1 varint 150
    0x10, 0x80, 0x80, 0x00, //         field 2 varint 0, written in 3 bytes (non-canonical)
    0x1a, 0x03, 0x61, 0x62, 0x63, //   field 3 "abc"
    0x25, 1, 2, 3, 4, //               field 4 fixed32
    0x29, 1, 2, 3, 4, 5, 6, 7, 8, //   field 5 fixed64
    0x33, 0x08, 0x01, 0x34, //         field 6 group { field 1 varint 1 }
    0xb8, 0x3e, 0x07, //               field 999 varint 7 (unknown to everyone)
  ]);
  const fields = parseMessage(msg);
  assert.deepEqual(fields.map((f) => [f.field, f.wire]), [[1, 0], [2, 0], [3, 2], [4, 5], [5, 1], [6, WireType.StartGroup], [999, 0]]);
  assert.equal(varintOf(fields[0]), 150n);
  assert.equal(varintOf(fields[1]), 0n);
  assert.equal(stringOf(fields[2]), 'abc');
  assert.deepEqual(serializeMessage(fields), msg);
});

test('built records parse back', () => {
  const inner = serializeMessage([stringField(1, 'x'), varintField(2, 5)]);
  const outer = parseMessage(serializeMessage([lengthDelimitedField(7, inner), stringField(2, 'é')]));
  assert.equal(stringOf(outer[1]), 'é');
  assert.deepEqual(parseMessage(outer[0].raw.subarray(outer[0].payloadStart)).map((f) => f.field), [1, 2]);
});

test('truncated and malformed input is a ProtobufError, not a crash', () => {
  assert.throws(() => parseMessage(Uint8Array.from([0x1a, 0x05, 0x61])), /truncated field 3/);
  assert.throws(() => parseMessage(Uint8Array.from([0x08, 0x80])), /truncated or overlong varint/);
  assert.throws(() => parseMessage(Uint8Array.from([0x0f])), /invalid wire type 7/);
  assert.throws(() => parseMessage(Uint8Array.from([0x00, 0x01])), /field number 0/);
  assert.throws(() => parseMessage(Uint8Array.from([0x33, 0x08, 0x01])), /unterminated group/);
});

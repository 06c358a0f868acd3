import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SafetensorsError, parseSafetensors } from './safetensors';

function build(header: object, data: Buffer): Buffer {
  let json = Buffer.from(JSON.stringify(header));
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

test('reads float32, int64 and uint8 tensors with their metadata', () => {
  const f = Buffer.alloc(8);
  f.writeFloatLE(1.5, 0);
  f.writeFloatLE(-2, 4);
  const i = Buffer.alloc(8);
  i.writeBigInt64LE(-7n, 0);
  const u = Buffer.from([3, 4, 5]);
  const file = parseSafetensors(build({
    __metadata__: { layer: '3' },
    f: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    i: { dtype: 'I64', shape: [1, 1], data_offsets: [8, 16] },
    u: { dtype: 'U8', shape: [3], data_offsets: [16, 19] },
  }, Buffer.concat([f, i, u])));
  assert.deepEqual(Array.from(file.tensors.f.data as Float32Array), [1.5, -2]);
  assert.equal((file.tensors.i.data as BigInt64Array)[0], -7n);
  assert.deepEqual(Array.from(file.tensors.u.data as Uint8Array), [3, 4, 5]);
  assert.deepEqual(file.tensors.i.shape, [1, 1]);
  assert.equal(file.metadata.layer, '3');
});

test('truncated or foreign files are clear errors', () => {
  assert.throws(() => parseSafetensors(Buffer.from([1, 2])), SafetensorsError);
  const ok = build({ f: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, Buffer.alloc(8));
  assert.throws(() => parseSafetensors(ok.subarray(0, ok.length - 4)), /tensor f has 8 bytes|truncated/);
  assert.throws(() => parseSafetensors(Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('nope')])), /not JSON/);
});

test('non-finite floats, bad shapes and absurd headers are refused; finiteness can be waived', () => {
  const nan = Buffer.alloc(8);
  nan.writeFloatLE(1, 0);
  nan.writeFloatLE(Number.NaN, 4);
  const withNan = build({ f: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, nan);
  assert.throws(() => parseSafetensors(withNan, 'bank.safetensors'), /bank\.safetensors: tensor f holds NaN at element 1; every value must be a finite number/);
  assert.ok(Number.isNaN((parseSafetensors(withNan, 'x', { requireFinite: false }).tensors.f.data as Float32Array)[1]));
  assert.throws(() => parseSafetensors(build({ f: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, nan)), /shape \[-2\] and data_offsets \[0,8\]; both must be lists of whole numbers/);
  assert.throws(() => parseSafetensors(build({ f: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, nan)), /both must be lists of whole numbers/);
  assert.throws(() => parseSafetensors(build({ __metadata__: { n: 5 } }, Buffer.alloc(0))), /__metadata__ must map names to strings/);
  const huge = Buffer.alloc(16);
  huge.writeBigUInt64LE(2n ** 40n);
  assert.throws(() => parseSafetensors(huge), /the header claims 1099511627776 bytes/);
});

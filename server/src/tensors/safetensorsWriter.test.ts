import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NamedTensor, parseSafetensors, readSafetensors } from './safetensors';
import { encodeSafetensors, writeSafetensorsFile } from './safetensorsWriter';

const BYTES = { F32: 4, I64: 8, U8: 1 } as const;

function sample(): Record<string, NamedTensor> {
  return {
    // An odd-length U8 first by name, to check that it cannot misalign the wider tensors.
    a_mask: { dtype: 'U8', shape: [3], data: new Uint8Array([1, 0, 1]) },
    ids: { dtype: 'F32', shape: [2, 3], data: new Float32Array([0.5, -1, 2, 3.25, 0, -0.125]) },
    cells: { dtype: 'I64', shape: [2], data: new BigInt64Array([-7n, 15n]) },
    empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
  };
}

test('encodes a file the reader reads back exactly, with metadata', () => {
  const buf = encodeSafetensors(sample(), { layer: '12', model: 'tiny' });
  const file = parseSafetensors(buf);
  assert.deepEqual(Array.from(file.tensors.ids.data as Float32Array), [0.5, -1, 2, 3.25, 0, -0.125]);
  assert.deepEqual(file.tensors.ids.shape, [2, 3]);
  assert.deepEqual(Array.from(file.tensors.cells.data as BigInt64Array), [-7n, 15n]);
  assert.deepEqual(Array.from(file.tensors.a_mask.data as Uint8Array), [1, 0, 1]);
  assert.deepEqual(file.tensors.empty.shape, [0, 4]);
  assert.equal(file.tensors.empty.data.length, 0);
  assert.deepEqual(file.metadata, { layer: '12', model: 'tiny' });
});

test('header is sorted, padded to 8 bytes, and tensors are contiguous and aligned', () => {
  const buf = encodeSafetensors(sample(), { z: '1', a: '2' });
  const headerLength = Number(buf.readBigUInt64LE(0));
  assert.equal(headerLength % 8, 0);
  const text = buf.subarray(8, 8 + headerLength).toString('utf8');
  assert.match(text, /^\{.*\} *$/);
  const header = JSON.parse(text);
  assert.deepEqual(Object.keys(header), ['__metadata__', 'a_mask', 'cells', 'empty', 'ids']);
  assert.deepEqual(Object.keys(header.__metadata__), ['a', 'z']);
  const spans = Object.entries(header)
    .filter(([name]) => name !== '__metadata__')
    .map(([, info]) => info as { dtype: keyof typeof BYTES; data_offsets: [number, number] })
    .sort((p, q) => p.data_offsets[0] - q.data_offsets[0]);
  let end = 0;
  for (const { dtype, data_offsets: [start, stop] } of spans) {
    assert.equal(start, end, 'no gaps between tensors (the spec requires it)');
    assert.equal((8 + headerLength + start) % BYTES[dtype], 0, `${dtype} tensor aligned`);
    end = stop;
  }
  assert.equal(8 + headerLength + end, buf.length);
});

test('mismatched dtype, shape or names are refused', () => {
  assert.throws(() => encodeSafetensors({ x: { dtype: 'F32', shape: [2], data: new Uint8Array(2) } }), /needs a Float32Array/);
  assert.throws(() => encodeSafetensors({ x: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }), /holds 3 values/);
  assert.throws(() => encodeSafetensors({ __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } }), /cannot be used/);
  assert.throws(() => encodeSafetensors({}, { n: 3 as unknown as string }), /must be strings/);
});

test('writes atomically and never overwrites unless asked', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-writer-'));
  try {
    const file = path.join(dir, 'bank.safetensors');
    writeSafetensorsFile(file, sample(), { version: '1' });
    assert.equal(readSafetensors(file).metadata.version, '1');
    assert.throws(() => writeSafetensorsFile(file, sample(), { version: '2' }), (error: Error) =>
      error.message.includes(file) && /overwrite: true/.test(error.message));
    assert.equal(readSafetensors(file).metadata.version, '1', 'the refused write left the file alone');
    writeSafetensorsFile(file, sample(), { version: '2' }, { overwrite: true });
    assert.equal(readSafetensors(file).metadata.version, '2');
    assert.deepEqual(fs.readdirSync(dir), ['bank.safetensors'], 'no temporary file left behind');
    assert.throws(() => writeSafetensorsFile(path.join(dir, 'missing', 'x.safetensors'), sample()), /does not exist/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

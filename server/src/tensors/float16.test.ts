import assert from 'node:assert/strict';
import { test } from 'node:test';
import { float16ToFloat32, float32BitsFromHalfBits, float32ToFloat16, halfBitsFromFloat32Bits, halfBitsOf } from './float16';

const ALL_HALVES = Uint16Array.from({ length: 65536 }, (_, i) => i);
const bitsOf = (f: Float32Array) => new Uint32Array(f.buffer, f.byteOffset, f.length);
const f32bits = (v: number) => bitsOf(Float32Array.of(v))[0];
const toHalf = (v: number) => halfBitsFromFloat32Bits(f32bits(v));
/** The value of a half, decoded by the textbook formula (independent of the bit-level code). */
function halfValue(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0x1f) return m ? NaN : s * Infinity;
  return e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
}

test('every one of the 65536 halves converts to its exact float32 value and back to the same bits', () => {
  const asFloat = float16ToFloat32(ALL_HALVES);
  for (let h = 0; h < 65536; h++) {
    const want = halfValue(h);
    if (Number.isNaN(want)) assert.ok(Number.isNaN(asFloat[h]), `0x${h.toString(16)} is NaN`);
    else assert.ok(Object.is(asFloat[h], want), `0x${h.toString(16)}: ${asFloat[h]} vs ${want}`);
  }
  assert.deepEqual(float32ToFloat16(asFloat), ALL_HALVES, 'bit-exact round trip, NaN payloads and -0 included');
});

test('float32 -> half rounds to nearest, ties to even, at every pair of neighbouring finite halves', () => {
  for (let h = 0; h < 0x7bff; h++) {
    // h and h + 1 are neighbours (positive, finite); their midpoint is exact in float32
    const lo = halfValue(h);
    const hi = halfValue(h + 1);
    const mid = (lo + hi) / 2;
    const midBits = f32bits(mid);
    assert.equal(bitsOf(Float32Array.of(mid))[0], midBits);
    assert.equal(halfBitsFromFloat32Bits(midBits), h % 2 === 0 ? h : h + 1, `tie between 0x${h.toString(16)} and its neighbour goes to the even one`);
    assert.equal(halfBitsFromFloat32Bits(midBits - 1), h, 'just below the midpoint: down');
    assert.equal(halfBitsFromFloat32Bits(midBits + 1), h + 1, 'just above the midpoint: up');
    assert.equal(halfBitsFromFloat32Bits((midBits | 0x80000000) >>> 0), (h % 2 === 0 ? h : h + 1) | 0x8000, 'negative ties mirror positive ones');
  }
});

test('edge cases: overflow, underflow, subnormals, signed zero, infinities, NaN', () => {
  assert.equal(toHalf(65504), 0x7bff, 'largest half');
  assert.equal(toHalf(65519.99), 0x7bff, 'below the overflow tie');
  assert.equal(toHalf(65520), 0x7c00, 'the tie above 65504 goes to even = Infinity');
  assert.equal(toHalf(1e9), 0x7c00);
  assert.equal(toHalf(-1e9), 0xfc00);
  assert.equal(toHalf(Infinity), 0x7c00);
  assert.equal(toHalf(-Infinity), 0xfc00);
  assert.equal(toHalf(2 ** -24), 0x0001, 'smallest subnormal');
  assert.equal(toHalf(2 ** -25), 0x0000, 'half of it ties to even zero');
  assert.equal(toHalf(2 ** -25 * 1.0000001), 0x0001, 'just above the tie rounds up');
  assert.equal(toHalf(3 * 2 ** -25), 0x0002, '1.5 units ties up to 2 (even)');
  assert.equal(toHalf(1e-10), 0x0000);
  assert.equal(toHalf(-1e-10), 0x8000, 'sign kept on underflow');
  assert.equal(toHalf(2 ** -14), 0x0400, 'smallest normal');
  assert.equal(toHalf(2 ** -14 - 2 ** -25), 0x0400, 'rounding up from the largest subnormal carries into the exponent');
  assert.equal(toHalf(0), 0x0000);
  assert.equal(toHalf(-0), 0x8000);
  assert.equal(toHalf(1), 0x3c00);
  assert.equal(toHalf(1 + 2 ** -11), 0x3c00, '1 + half an ulp ties to even 1');
  assert.equal(toHalf(1 + 3 * 2 ** -11), 0x3c02, '1 + 1.5 ulp ties to even');
  assert.equal(toHalf(-2.5), 0xc100);
  assert.equal(toHalf(0.1), 0x2e66);
  assert.equal(halfBitsFromFloat32Bits(0x7fc00000), 0x7e00, 'quiet NaN');
  assert.equal(halfBitsFromFloat32Bits(0xffc00000), 0xfe00, 'negative NaN keeps its sign');
  assert.equal(halfBitsFromFloat32Bits(0x7f800001), 0x7e00, 'a NaN whose payload is all below bit 13 stays NaN');
  assert.equal(float32BitsFromHalfBits(0x7c00), 0x7f800000);
  assert.equal(float32BitsFromHalfBits(0x8001), f32bits(-(2 ** -24)));
});

test('float16 tensor data: Uint16Array (Node 20) or a Float16Array view, nothing else', () => {
  const bits = Uint16Array.of(0x3c00, 0xc000);
  assert.equal(halfBitsOf(bits), bits, 'no copy');
  assert.deepEqual([...float16ToFloat32(bits)], [1, -2]);
  assert.throws(() => halfBitsOf(new Float32Array(2)), /must be a Uint16Array of half bits or a Float16Array, not Float32Array/);
  const F16 = (globalThis as { Float16Array?: new (n: number) => ArrayBufferView }).Float16Array;
  if (F16) assert.equal(halfBitsOf(new F16(3)).length, 3);
  const sub = new Float32Array([0, 1.5, -3]).subarray(1);
  assert.deepEqual([...float32ToFloat16(sub)], [0x3e00, 0xc200], 'views at an offset convert their own elements');
});

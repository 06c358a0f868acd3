/**
 * IEEE 754 binary16 ("half") <-> float32, over typed arrays.
 *
 * fp16 / q4f16 decoders keep their residual stream, KV cache and logits in float16. onnxruntime-node
 * 1.30 holds a `float16` tensor's data as a Uint16Array of raw half bits where the JS engine has no
 * Float16Array (Node 20), and as a Float16Array where it has one; it accepts a Uint16Array in both
 * cases. The runner converts at that boundary so that clients always see and send float32.
 *
 * float32 -> half rounds to nearest, ties to even, straight from the float32 bits (rounding a
 * double to float32 first and then to half could round twice); overflow gives +-Infinity,
 * values below half the smallest subnormal give +-0, NaN stays NaN with its sign and top payload bits.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The half bits nearest to the float32 whose bits are `x` (round to nearest even). */
export function halfBitsFromFloat32Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const abs = x & 0x7fffffff;
  if (abs >= 0x7f800000) {
    if (abs === 0x7f800000) return sign | 0x7c00;
    const payload = (abs >>> 13) & 0x3ff;
    return sign | 0x7c00 | (payload || 0x200); // a payload lost below bit 13 must not turn NaN into Infinity
  }
  // 65520 is halfway between 65504 (largest half, odd mantissa) and 2^16: ties to even = Infinity
  if (abs >= 0x477ff000) return sign | 0x7c00;
  if (abs < 0x38800000) {
    // below 2^-14: a subnormal half (units of 2^-24); 2^-25 and below round to zero (2^-25 is a tie to even 0)
    if (abs <= 0x33000000) return sign;
    const e = abs >>> 23;
    const m = (abs & 0x7fffff) | 0x800000;
    const shift = 126 - e; // 14..24
    let q = m >>> shift;
    const r = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (r > half || (r === half && (q & 1))) q++;
    return sign | q; // q = 0x400 (smallest normal) is already its correct encoding
  }
  let q = (((abs >>> 23) - 112) << 10) | ((abs >>> 13) & 0x3ff);
  const r = abs & 0x1fff;
  if (r > 0x1000 || (r === 0x1000 && (q & 1))) q++; // a carry into the exponent is the correct result
  return sign | q;
}

/** The float32 bits of the half whose bits are `h` (exact: every half is a float32). */
export function float32BitsFromHalfBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  f32[0] = mant * 2 ** -24; // exact
  return (sign | u32[0]) >>> 0;
}

/** float32 values -> half bits, as onnxruntime-node takes a `float16` tensor's data. */
export function float32ToFloat16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < out.length; i++) out[i] = halfBitsFromFloat32Bits(bits[i]);
  return out;
}

/** Half bits (a Uint16Array, or a Float16Array where the engine has one) -> float32 values. */
export function float16ToFloat32(src: ArrayBufferView): Float32Array {
  const bits = halfBitsOf(src);
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer); // written as bits so NaN payloads survive
  for (let i = 0; i < bits.length; i++) outBits[i] = float32BitsFromHalfBits(bits[i]);
  return out;
}

/** The raw half bits of a float16 tensor's data, without copying. */
export function halfBitsOf(data: ArrayBufferView): Uint16Array {
  if (data instanceof Uint16Array) return data;
  if (data.constructor?.name === 'Float16Array' && data.byteLength % 2 === 0) return new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
  throw new TypeError(`float16 data must be a Uint16Array of half bits or a Float16Array, not ${data.constructor?.name ?? typeof data}`);
}

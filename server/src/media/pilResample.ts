import type { RgbImage } from '../scenes/renderScene';

/**
 * `PIL.Image.resize((width, height), resample=filter)` on an 8-bit RGB image, byte for byte.
 *
 * Hand-rolled because Hugging Face image processors resize with PIL and no npm library reproduces
 * PIL's resampler: sharp/libvips and canvas do not widen the kernel on downscale the same way (or
 * at all) and round differently, which moves pixel_values by several grey levels. This mirrors
 * Pillow's src/libImaging/Resample.c (convolution filters) and Geometry.c (NEAREST, which PIL
 * routes through an affine scale, not through Resample.c):
 *  - separable: a horizontal pass over the rows the vertical pass will read, then a vertical
 *    pass; a pass is skipped when that dimension keeps its size;
 *  - support = filter support * max(in/out, 1), so downscaling antialiases;
 *  - weights normalised in double, then turned into 22-bit fixed point (PRECISION_BITS) with
 *    round-half-away-from-zero; each pass accumulates integers from a 0.5 bias and clips to 0..255.
 * `Image.resize` uses none of `reduce()`/`reducing_gap` unless a caller passes `reducing_gap`,
 * and Hugging Face's `image_transforms.resize` does not, so that path is not mirrored here.
 */

/** PIL's `Image.Resampling` codes, as stored in `preprocessor_config.json` under `resample`. */
export const PIL_FILTERS = { NEAREST: 0, LANCZOS: 1, BILINEAR: 2, BICUBIC: 3, BOX: 4, HAMMING: 5 } as const;
export type PilFilter = (typeof PIL_FILTERS)[keyof typeof PIL_FILTERS];

interface Kernel {
  support: number;
  weight(x: number): number;
}

// Each filter is written as Resample.c writes it (same comparisons, same constant types) so the
// double-precision weights, and so the fixed-point coefficients, come out identical.
const sinc = (x: number): number => {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
};
// Resample.c writes the Hamming constants as C floats (0.54f, 0.46f), widened to double.
const HAMMING_A = Math.fround(0.54);
const HAMMING_B = Math.fround(0.46);

const KERNELS: Record<Exclude<PilFilter, 0>, Kernel> = {
  [PIL_FILTERS.BOX]: { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  [PIL_FILTERS.BILINEAR]: {
    support: 1,
    weight: (x) => {
      const ax = Math.abs(x);
      return ax < 1 ? 1 - ax : 0;
    },
  },
  [PIL_FILTERS.HAMMING]: {
    support: 1,
    weight: (x) => {
      const ax = Math.abs(x);
      if (ax === 0) return 1;
      if (ax >= 1) return 0;
      const px = ax * Math.PI;
      return (Math.sin(px) / px) * (HAMMING_A + HAMMING_B * Math.cos(px));
    },
  },
  [PIL_FILTERS.BICUBIC]: {
    support: 2,
    weight: (x) => {
      const a = -0.5;
      const ax = Math.abs(x);
      if (ax < 1) return ((a + 2) * ax - (a + 3)) * ax * ax + 1;
      if (ax < 2) return (((ax - 5) * ax + 8) * ax - 4) * a;
      return 0;
    },
  },
  [PIL_FILTERS.LANCZOS]: { support: 3, weight: (x) => (-3 <= x && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

interface Coefficients {
  /** Taps per output sample (some trailing ones are zero). */
  ksize: number;
  /** Per output sample: first input index and number of inputs read. */
  start: Int32Array;
  count: Int32Array;
  /** Fixed-point weights, ksize per output sample. */
  k: Int32Array;
}

/** Resample.c `precompute_coeffs` + `normalize_coeffs_8bpc`, for the whole input range (no box). */
function coefficients(inSize: number, outSize: number, kernel: Kernel): Coefficients {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = kernel.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const invFilterscale = 1 / filterscale;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const k = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      w[x] = kernel.weight((x + xmin - center + 0.5) * invFilterscale);
      ww += w[x];
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? w[x] / ww : w[x];
      k[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE);
    }
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { ksize, start, count, k };
}

/** Resample.c `clip8`: an arithmetic shift (floor) of the accumulator, clamped to a byte. */
function clip8(acc: number): number {
  const v = Math.floor(acc / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function checkImage(img: RgbImage, channels: number): void {
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width < 1 || img.height < 1) {
    throw new RangeError(`image size must be positive integers, got ${img.width}x${img.height}`);
  }
  if (img.data.length !== img.width * img.height * channels) {
    throw new RangeError(`image data has ${img.data.length} bytes, expected ${img.width}x${img.height}x${channels}`);
  }
}

/** Geometry.c `ImagingScaleAffine`: source column/row by an accumulated double, truncated. */
function nearestIndex(inSize: number, outSize: number): Int32Array {
  const step = inSize / outSize;
  const index = new Int32Array(outSize);
  let pos = step * 0.5;
  for (let i = 0; i < outSize; i++) {
    // PIL leaves (zero-filled) any output whose source falls outside; -1 marks that.
    const p = pos < 0 ? -1 : Math.trunc(pos);
    index[i] = p >= 0 && p < inSize ? p : -1;
    pos += step;
  }
  return index;
}

function resampleNearest(img: RgbImage, width: number, height: number, channels: number): Uint8Array {
  const xs = nearestIndex(img.width, width);
  const ys = nearestIndex(img.height, height);
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    if (ys[y] < 0) continue;
    const rowIn = ys[y] * img.width * channels;
    for (let x = 0; x < width; x++) {
      if (xs[x] < 0) continue;
      const src = rowIn + xs[x] * channels;
      const dst = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) out[dst + c] = img.data[src + c];
    }
  }
  return out;
}

/**
 * One convolution pass. Horizontal: output (r, c) reads source row r + rowOffset at columns
 * start[c]...; vertical: it reads column c at rows start[r].... `step` is the source stride, in
 * bytes, between consecutive taps. Integer sums stay far below 2^53, so doubles add them exactly.
 */
function convolve(
  src: Uint8Array,
  srcWidth: number,
  rows: number,
  cols: number,
  channels: number,
  co: Coefficients,
  horizontal: boolean,
  rowOffset: number,
): Uint8Array {
  const out = new Uint8Array(rows * cols * channels);
  const step = horizontal ? channels : srcWidth * channels;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const o = horizontal ? c : r; // the output sample along the resampled axis
      const n = co.count[o];
      const kBase = o * co.ksize;
      let p = horizontal ? ((r + rowOffset) * srcWidth + co.start[o]) * channels : (co.start[o] * srcWidth + c) * channels;
      const d = (r * cols + c) * channels;
      // Channels unrolled: this loop is nearly all of the run time.
      if (channels === 3) {
        let a0 = HALF;
        let a1 = HALF;
        let a2 = HALF;
        for (let t = 0; t < n; t++, p += step) {
          const k = co.k[kBase + t];
          a0 += src[p] * k;
          a1 += src[p + 1] * k;
          a2 += src[p + 2] * k;
        }
        out[d] = clip8(a0);
        out[d + 1] = clip8(a1);
        out[d + 2] = clip8(a2);
      } else {
        let a0 = HALF;
        for (let t = 0; t < n; t++, p += step) a0 += src[p] * co.k[kBase + t];
        out[d] = clip8(a0);
      }
    }
  }
  return out;
}

function resampleConvolution(img: RgbImage, width: number, height: number, channels: number, kernel: Kernel): Uint8Array {
  const needHorizontal = width !== img.width;
  const needVertical = height !== img.height;
  const vert = coefficients(img.height, height, kernel);
  let src = img.data;
  let srcWidth = img.width;
  if (needHorizontal) {
    // Like Resample.c, convolve only the rows the vertical pass reads, then shift its bounds.
    const first = vert.start[0];
    const last = vert.start[height - 1] + vert.count[height - 1];
    const horiz = coefficients(img.width, width, kernel);
    src = convolve(src, srcWidth, last - first, width, channels, horiz, true, first);
    srcWidth = width;
    for (let i = 0; i < height; i++) vert.start[i] -= first;
  }
  if (needVertical) src = convolve(src, srcWidth, height, width, channels, vert, false, 0);
  return src === img.data ? img.data.slice() : src;
}

/** Resize an RGB image exactly as PIL does for `filter` (0..5, PIL's codes). Returns a new image. */
export function resamplePil(img: RgbImage, width: number, height: number, filter: number): RgbImage {
  return { width, height, data: resampleChannels(img, width, height, filter, 3) };
}

/** The same for 1 (L) or 3 (RGB) interleaved 8-bit channels; RGBA is refused: PIL premultiplies alpha. */
export function resampleChannels(img: RgbImage, width: number, height: number, filter: number, channels: 1 | 3): Uint8Array {
  if (channels !== 1 && channels !== 3) throw new RangeError(`only 1 or 3 channels are supported, got ${String(channels)}`);
  checkImage(img, channels);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`target size must be positive integers, got ${width}x${height}`);
  }
  if (!Number.isInteger(filter) || filter < 0 || filter > 5) {
    throw new RangeError(`unknown PIL resampling filter ${filter} (expected 0..5: nearest, lanczos, bilinear, bicubic, box, hamming)`);
  }
  // PIL returns a copy when the size is unchanged, whatever the filter.
  if (width === img.width && height === img.height) return img.data.slice();
  if (filter === PIL_FILTERS.NEAREST) return resampleNearest(img, width, height, channels);
  return resampleConvolution(img, width, height, channels, KERNELS[filter as Exclude<PilFilter, 0>]);
}

import { MAX_IMAGE_PIXELS } from '../media/mediaLimits';
import type { RgbImage } from '../scenes/renderScene';

/**
 * A decoder for uncompressed Windows bitmaps. sharp's prebuilt libvips has no BMP loader (BMP
 * goes through ImageMagick, which the prebuilt binaries leave out), so BMP is read here:
 * 1/4/8-bit palettes, 24-bit, and 16/32-bit with or without bit-field masks.
 */

export class ImageDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d; // "BM"
}

/** Reads a channel from a packed pixel through its mask, scaled to 0..255. */
function maskReader(mask: number): (v: number) => number {
  if (mask === 0) return () => 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return (v) => Math.round((((v & mask) >>> shift) * 255) / max);
}

export interface BmpLimits {
  /** Width x height above which the header is refused before any pixel is allocated. */
  maxPixels: number;
  /** The error for an image above maxPixels (an ImageDecodeError by default). */
  tooLarge?: (message: string) => Error;
}

export function decodeBmp(bytes: Uint8Array, name = 'image', limits: BmpLimits = { maxPixels: MAX_IMAGE_PIXELS }): RgbImage {
  const fail = (why: string): never => {
    throw new ImageDecodeError(`${name} is not a readable BMP: ${why}.`);
  };
  if (!isBmp(bytes) || bytes.length < 26) fail('the header is missing or cut short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  let width: number, rawHeight: number, bpp: number, compression = BI_RGB, paletteSize = 0;
  if (headerSize === 12) {
    width = view.getUint16(18, true);
    rawHeight = view.getInt16(20, true);
    bpp = view.getUint16(24, true);
  } else if (headerSize >= 40 && bytes.length >= 14 + 40) {
    width = view.getInt32(18, true);
    rawHeight = view.getInt32(22, true);
    bpp = view.getUint16(28, true);
    compression = view.getUint32(30, true);
    paletteSize = view.getUint32(46, true);
  } else {
    return fail(`unknown header size ${headerSize}`);
  }
  const height = Math.abs(rawHeight);
  const topDown = rawHeight < 0;
  if (width <= 0 || height <= 0 || width > 1 << 15 || height > 1 << 15) fail(`bad size ${width}x${height}`);
  if (width * height > limits.maxPixels) {
    const message = `${name} declares a ${width}x${height} BMP (${(width * height / 1e6).toFixed(1)} Mpx), more than the ${(limits.maxPixels / 1e6).toFixed(1)} Mpx this server decodes: scale it down and save it as PNG.`;
    throw limits.tooLarge ? limits.tooLarge(message) : new ImageDecodeError(message);
  }
  if (compression !== BI_RGB && compression !== BI_BITFIELDS && compression !== BI_ALPHABITFIELDS) fail(`compression ${compression} (RLE/JPEG/PNG inside BMP) is not supported; save it uncompressed or as PNG`);
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) fail(`${bpp} bits per pixel is not supported`);

  let masks: [number, number, number];
  if (compression === BI_RGB) {
    masks = bpp === 16 ? [0x7c00, 0x03e0, 0x001f] : [0xff0000, 0x00ff00, 0x0000ff];
  } else {
    // Masks follow a 40-byte header (BITFIELDS) or sit inside a V4/V5 header at the same place.
    if (bytes.length < 14 + 40 + 12) fail('the bit-field masks are cut short');
    masks = [view.getUint32(54, true), view.getUint32(58, true), view.getUint32(62, true)];
  }
  const [readR, readG, readB] = masks.map(maskReader);

  const palette: Array<[number, number, number]> = [];
  if (bpp <= 8) {
    const entrySize = headerSize === 12 ? 3 : 4;
    const count = paletteSize || 1 << bpp;
    const start = 14 + headerSize;
    if (start + count * entrySize > bytes.length) fail('the colour table is cut short');
    for (let i = 0; i < count; i++) {
      const o = start + i * entrySize;
      palette.push([bytes[o + 2], bytes[o + 1], bytes[o]]);
    }
  }

  const rowBytes = Math.ceil((width * bpp) / 32) * 4;
  if (dataOffset + rowBytes * height > bytes.length) fail(`the pixel data is cut short (${bytes.length} bytes, need ${dataOffset + rowBytes * height})`);
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      let r: number, g: number, b: number;
      if (bpp <= 8) {
        const bit = x * bpp;
        const index = (bytes[row + (bit >> 3)] >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        const entry = palette[index] ?? fail(`pixel (${x}, ${y}) uses colour ${index}, beyond the ${palette.length}-entry table`);
        [r, g, b] = entry;
      } else if (bpp === 24) {
        const o = row + x * 3;
        [r, g, b] = [bytes[o + 2], bytes[o + 1], bytes[o]];
      } else {
        const v = bpp === 16 ? view.getUint16(row + x * 2, true) : view.getUint32(row + x * 4, true);
        [r, g, b] = [readR(v), readG(v), readB(v)];
      }
      const o = (y * width + x) * 3;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
    }
  }
  return { width, height, data: out };
}

import * as fs from 'node:fs';

/**
 * Reads the safetensors format (8-byte little-endian header length, a JSON header, raw
 * little-endian data). Hand-rolled because the format is a page long and no maintained npm
 * reader covers plain Node buffers without a native build; the ID banks of the analyses
 * use the same format so Python users can open them with the `safetensors` package.
 */

export type SafetensorsDtype = 'F32' | 'I64' | 'U8';

export interface NamedTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array | BigInt64Array | Uint8Array;
}

export interface SafetensorsFile {
  tensors: Record<string, NamedTensor>;
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, I64: 8, U8: 1 };

export function parseSafetensors(buf: Buffer, source = 'buffer'): SafetensorsFile {
  if (buf.length < 8) throw new SafetensorsError(`${source} is too short to be a safetensors file.`);
  const headerLength = Number(buf.readBigUInt64LE(0));
  if (8 + headerLength > buf.length) throw new SafetensorsError(`${source}: the header runs past the end of the file (truncated?).`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headerLength).toString('utf8'));
  } catch {
    throw new SafetensorsError(`${source}: the header is not JSON; this is not a safetensors file.`);
  }
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const base = 8 + headerLength;
  const tensors: Record<string, NamedTensor> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const info = raw as { dtype: SafetensorsDtype; shape: number[]; data_offsets: [number, number] };
    if (!(info.dtype in BYTES)) throw new SafetensorsError(`${source}: tensor ${name} has dtype ${info.dtype}, which this reader does not handle (F32, I64, U8).`);
    const [start, end] = info.data_offsets;
    const count = info.shape.reduce((a, b) => a * b, 1);
    if (end - start !== count * BYTES[info.dtype] || base + end > buf.length) {
      throw new SafetensorsError(`${source}: tensor ${name} has ${end - start} bytes for shape [${info.shape}] ${info.dtype}.`);
    }
    // Copy into an aligned buffer: typed arrays need offsets that are multiples of the element size.
    const bytes = new Uint8Array(buf.subarray(base + start, base + end));
    const data =
      info.dtype === 'F32' ? new Float32Array(bytes.buffer) : info.dtype === 'I64' ? new BigInt64Array(bytes.buffer) : bytes;
    tensors[name] = { dtype: info.dtype, shape: info.shape, data };
  }
  return { tensors, metadata };
}

export function readSafetensors(file: string): SafetensorsFile {
  return parseSafetensors(fs.readFileSync(file), file);
}

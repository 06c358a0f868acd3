import { FILE_KINDS, FileReadError, readRegularFile } from '../files/regularFile';

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

/** Headers list names, shapes and offsets: even a bank of a large model has a header of some KB. */
const MAX_HEADER_BYTES = 100 * 1024 ** 2;

function isShape(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && d >= 0);
}

function isOffsets(v: unknown): v is [number, number] {
  return Array.isArray(v) && v.length === 2 && v.every((d) => Number.isSafeInteger(d) && d >= 0) && v[0] <= v[1];
}

export interface ParseOptions {
  /** Refuse F32 tensors holding NaN or an infinity (no ID bank or activation may). Default true. */
  requireFinite?: boolean;
}

export function parseSafetensors(buf: Buffer, source = 'buffer', opts: ParseOptions = {}): SafetensorsFile {
  if (buf.length < 8) throw new SafetensorsError(`${source} is too short to be a safetensors file.`);
  const headerLength = Number(buf.readBigUInt64LE(0));
  if (headerLength > MAX_HEADER_BYTES) throw new SafetensorsError(`${source}: the header claims ${headerLength} bytes; this is not a safetensors file (or it is damaged).`);
  if (8 + headerLength > buf.length) throw new SafetensorsError(`${source}: the header runs past the end of the file (truncated?).`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headerLength).toString('utf8'));
  } catch {
    throw new SafetensorsError(`${source}: the header is not JSON; this is not a safetensors file.`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError(`${source}: the header is not a JSON object; this is not a safetensors file.`);
  const rawMetadata = header.__metadata__ ?? {};
  if (typeof rawMetadata !== 'object' || rawMetadata === null || Object.values(rawMetadata).some((v) => typeof v !== 'string')) {
    throw new SafetensorsError(`${source}: __metadata__ must map names to strings; the file is damaged.`);
  }
  const metadata = rawMetadata as Record<string, string>;
  const base = 8 + headerLength;
  const tensors: Record<string, NamedTensor> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const info = (raw ?? {}) as { dtype: SafetensorsDtype; shape: unknown; data_offsets: unknown };
    if (!(info.dtype in BYTES)) throw new SafetensorsError(`${source}: tensor ${name} has dtype ${info.dtype}, which this reader does not handle (F32, I64, U8).`);
    if (!isShape(info.shape) || !isOffsets(info.data_offsets)) {
      throw new SafetensorsError(`${source}: tensor ${name} has shape ${JSON.stringify(info.shape)} and data_offsets ${JSON.stringify(info.data_offsets)}; both must be lists of whole numbers. The file is damaged.`);
    }
    const [start, end] = info.data_offsets;
    const count = info.shape.reduce((a, b) => a * b, 1);
    if (end - start !== count * BYTES[info.dtype] || base + end > buf.length) {
      throw new SafetensorsError(`${source}: tensor ${name} has ${end - start} bytes for shape [${info.shape}] ${info.dtype}.`);
    }
    // Copy into an aligned buffer: typed arrays need offsets that are multiples of the element size.
    const bytes = new Uint8Array(buf.subarray(base + start, base + end));
    const data =
      info.dtype === 'F32' ? new Float32Array(bytes.buffer) : info.dtype === 'I64' ? new BigInt64Array(bytes.buffer) : bytes;
    if (data instanceof Float32Array && opts.requireFinite !== false) {
      const bad = data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new SafetensorsError(`${source}: tensor ${name} holds ${data[bad]} at element ${bad}; every value must be a finite number. The file is damaged: derive or export it again.`);
    }
    tensors[name] = { dtype: info.dtype, shape: info.shape, data };
  }
  return { tensors, metadata };
}

/** Reads a safetensors file, refusing anything but a regular file of a sane size before reading. */
export function readSafetensors(file: string, opts: ParseOptions = {}): SafetensorsFile {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(file, FILE_KINDS.safetensors);
  } catch (e) {
    if (e instanceof FileReadError) throw new SafetensorsError(e.message);
    throw e;
  }
  return parseSafetensors(bytes, file, opts);
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NamedTensor, SafetensorsDtype, SafetensorsError } from './safetensors';

/**
 * Writes the safetensors format read by safetensors.ts (and by Python's `safetensors`), so
 * the ID banks can be exported for use outside the extension (METHOD.md 6).
 */

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, I64: 8, U8: 1 };
const ARRAY_TYPE: Record<SafetensorsDtype, new (length: number) => NamedTensor['data']> = { F32: Float32Array, I64: BigInt64Array, U8: Uint8Array };

function checkTensor(name: string, tensor: NamedTensor): void {
  if (name === '__metadata__' || name.length === 0) throw new SafetensorsError(`"${name}" cannot be used as a tensor name.`);
  if (!(tensor.dtype in BYTES)) throw new SafetensorsError(`tensor ${name}: dtype ${tensor.dtype} is not supported (F32, I64, U8).`);
  if (!(tensor.data instanceof ARRAY_TYPE[tensor.dtype])) {
    throw new SafetensorsError(`tensor ${name}: dtype ${tensor.dtype} needs a ${ARRAY_TYPE[tensor.dtype].name}, got a ${tensor.data.constructor.name}.`);
  }
  if (!tensor.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new SafetensorsError(`tensor ${name}: shape [${tensor.shape}] must be non-negative integers.`);
  }
  const count = tensor.shape.reduce((a, b) => a * b, 1);
  if (count !== tensor.data.length) {
    throw new SafetensorsError(`tensor ${name}: shape [${tensor.shape}] holds ${count} values but the data has ${tensor.data.length}.`);
  }
}

/**
 * Encodes tensors and string metadata. The header's keys are written in name order
 * (`__metadata__` first). The data is laid out by element size, largest first, then by name:
 * the safetensors spec forbids gaps between tensors, and this order (the one Python's
 * `safetensors` uses) keeps every tensor aligned to its element size without padding. The
 * header is padded with spaces to a multiple of 8 bytes so the data starts aligned.
 */
export function encodeSafetensors(tensors: Record<string, NamedTensor>, metadata: Record<string, string> = {}): Buffer {
  if (os.endianness() !== 'LE') throw new SafetensorsError('safetensors data is little-endian; this writer only runs on little-endian machines.');
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new SafetensorsError(`metadata ${key}: values must be strings (safetensors metadata is string to string); got ${typeof value}.`);
  }
  const names = Object.keys(tensors).sort();
  names.forEach((name) => checkTensor(name, tensors[name]));

  const layout = [...names].sort((a, b) => BYTES[tensors[b].dtype] - BYTES[tensors[a].dtype] || (a < b ? -1 : a > b ? 1 : 0));
  const offsets = new Map<string, [number, number]>();
  let end = 0;
  for (const name of layout) {
    const t = tensors[name];
    const size = t.data.length * BYTES[t.dtype];
    offsets.set(name, [end, end + size]);
    end += size;
  }

  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    header.__metadata__ = Object.fromEntries(Object.keys(metadata).sort().map((key) => [key, metadata[key]]));
  }
  for (const name of names) {
    const t = tensors[name];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: offsets.get(name) };
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));

  const parts: Buffer[] = [prefix, json];
  for (const name of layout) {
    const data = tensors[name].data;
    parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  return Buffer.concat(parts, 8 + json.length + end);
}

export interface WriteOptions {
  /** Replace an existing file; without it an existing file is an error. */
  overwrite?: boolean;
}

/**
 * Writes a safetensors file atomically: the bytes go to a temporary file in the same folder
 * which is then moved into place, so a crash never leaves a half-written bank behind.
 * An existing file is kept unless `overwrite` is true.
 */
export function writeSafetensorsFile(
  file: string,
  tensors: Record<string, NamedTensor>,
  metadata: Record<string, string> = {},
  options: WriteOptions = {},
): void {
  const bytes = encodeSafetensors(tensors, metadata);
  const refuse = () => new SafetensorsError(`${file} already exists; pass { overwrite: true } to replace it, or choose another file name.`);
  if (!options.overwrite && fs.existsSync(file)) throw refuse();
  const folder = path.dirname(file);
  if (!fs.existsSync(folder)) throw new SafetensorsError(`cannot write ${file}: the folder ${folder} does not exist.`);

  const tmp = path.join(folder, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  fs.writeFileSync(tmp, bytes, { flag: 'wx' });
  try {
    if (options.overwrite) {
      fs.renameSync(tmp, file);
      return;
    }
    // link() fails if the name exists, so a file created since the check above is not clobbered.
    try {
      fs.linkSync(tmp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw refuse();
      // Some file systems have no hard links: fall back to the checked rename.
      if (fs.existsSync(file)) throw refuse();
      fs.renameSync(tmp, file);
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

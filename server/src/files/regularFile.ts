import * as fs from 'node:fs';

/**
 * Opening a file the user named, safely: only a regular file of a sane size is ever read.
 * A FIFO would freeze the server on open or read, /dev/zero (or a symlink to it) would grow it
 * until memory runs out, and a socket or a folder only fails later with a confusing message.
 * So the path is stat'ed first (nothing but a regular file is even opened), then opened with
 * O_NONBLOCK (a FIFO swapped in between cannot block the open) and fstat'ed again (the checks
 * hold for what was actually opened). Symlinks to regular files are fine: that is how people
 * share model folders.
 */

export type FileProblem = 'notFound' | 'notRegular' | 'tooLarge' | 'empty' | 'unreadable';

export class FileReadError extends Error {
  constructor(
    readonly problem: FileProblem,
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'FileReadError';
  }
}

/** What a file is meant to be, and how large it may be. */
export interface FileKind {
  /** In messages: "image file", "ID bank", "JSON config", ... */
  what: string;
  maxBytes: number;
  /** Accept a 0-byte file (the caller's own parser words that failure). */
  allowEmpty?: boolean;
}

const MB = 1024 ** 2;
const GB = 1024 ** 3;

/** The caps, one per kind of file the server reads; each well above any real file of its kind. */
export const FILE_KINDS = {
  image: { what: 'image file', maxBytes: 256 * MB },
  // ffmpeg streams videos from disk, so a video's size does not reach the server's memory.
  video: { what: 'video file', maxBytes: 64 * GB },
  jsonConfig: { what: 'JSON config', maxBytes: 16 * MB },
  // experiment files carry results: a 2,000-item sweep or a bank summary is well under 1 MB.
  experiment: { what: 'experiment file', maxBytes: 64 * MB },
  // tokenizer.json of large-vocabulary models is tens of MB (Gemma 3: 33 MB).
  tokenizer: { what: 'tokenizer file', maxBytes: 128 * MB },
  // ID banks: a 7B model's (33 layers x 49 rows x 4096 floats) is 26 MB.
  safetensors: { what: 'safetensors file (ID bank)', maxBytes: 256 * MB },
  // protobuf caps one message at 2 GB; larger models keep their weights in external data files.
  onnx: { what: 'ONNX graph', maxBytes: 2 * GB, allowEmpty: true },
  onnxData: { what: 'ONNX external data file', maxBytes: 256 * GB, allowEmpty: true },
} as const satisfies Record<string, FileKind>;

function sizeText(bytes: number): string {
  return bytes >= GB ? `${(bytes / GB).toFixed(1)} GB` : bytes >= MB ? `${(bytes / MB).toFixed(1)} MB` : `${bytes} bytes`;
}

function typeOf(stats: fs.Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** Refuses anything but a regular file within the kind's size cap. */
function checkStats(file: string, stats: fs.Stats, kind: FileKind): void {
  if (!stats.isFile()) {
    const fix = stats.isDirectory() ? 'pick a file inside it' : 'point at the file itself (a FIFO, socket or device is never read, so it cannot freeze or flood the server)';
    throw new FileReadError('notRegular', file, `${file} is ${typeOf(stats)}, not a regular ${kind.what}: ${fix}.`);
  }
  if (stats.size > kind.maxBytes) {
    throw new FileReadError('tooLarge', file, `${file} is ${sizeText(stats.size)}, more than the ${sizeText(kind.maxBytes)} any ${kind.what} needs: check that this is the right file.`);
  }
  if (stats.size === 0 && !kind.allowEmpty) {
    throw new FileReadError('empty', file, `${file} is empty (0 bytes), so it holds no ${kind.what}. The copy or download probably failed: fetch or export it again.`);
  }
}

function fsFailure(file: string, e: unknown, kind: FileKind): FileReadError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new FileReadError('notFound', file, `${file} does not exist. Check the path (relative paths are resolved from ${process.cwd()}).`);
  }
  if (code === 'ELOOP') return new FileReadError('notRegular', file, `${file} is a symlink loop, not a ${kind.what}: point at the file itself.`);
  return new FileReadError('unreadable', file, `${file} cannot be read (${code ?? (e as Error).message}). Check its permissions.`);
}

/** Checks without reading: a regular file of a sane size. Returns its size in bytes. */
export function checkRegularFile(file: string, kind: FileKind): number {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(file);
  } catch (e) {
    throw fsFailure(file, e, kind);
  }
  checkStats(file, stats, kind);
  return stats.size;
}

/** The whole file, after the checks of checkRegularFile, made again on the opened descriptor. */
export function readRegularFile(file: string, kind: FileKind): Buffer {
  checkRegularFile(file, kind);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (e) {
    throw fsFailure(file, e, kind);
  }
  try {
    const stats = fs.fstatSync(fd);
    checkStats(file, stats, kind);
    const out = Buffer.allocUnsafe(stats.size);
    let filled = 0;
    while (filled < out.length) {
      const n = fs.readSync(fd, out, filled, out.length - filled, filled);
      if (n === 0) break; // truncated while being read: the parser reports what is missing
      filled += n;
    }
    return filled === out.length ? out : out.subarray(0, filled);
  } catch (e) {
    throw e instanceof FileReadError ? e : fsFailure(file, e, kind);
  } finally {
    fs.closeSync(fd);
  }
}

/** A folder where a folder is meant (a file, a FIFO or a missing path is refused). */
export function checkFolder(dir: string, what: string): void {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileReadError(code === 'ENOENT' || code === 'ENOTDIR' ? 'notFound' : 'unreadable', dir, `${dir} does not exist or cannot be opened (${code}): point at the ${what}.`);
  }
  if (!stats.isDirectory()) throw new FileReadError('notRegular', dir, `${dir} is ${stats.isFile() ? 'a file' : typeOf(stats)}, not a folder: point at the ${what}.`);
}

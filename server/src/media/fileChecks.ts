import * as fs from 'node:fs';
import { MediaError } from './mediaError';

/**
 * The checks every loader makes before decoding, so "no such file" and "empty file" get their own
 * messages instead of a decoder's generic "invalid data".
 */
export function checkMediaFile(file: string, kind: 'image' | 'video'): fs.Stats {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new MediaError('fileNotFound', `${file} does not exist. Check the path (relative paths are resolved from ${process.cwd()}).`, file);
    }
    throw new MediaError(kind === 'image' ? 'unreadableImage' : 'unreadableVideo', `${file} cannot be read (${code ?? (e as Error).message}). Check its permissions.`, file);
  }
  if (stats.isDirectory()) throw new MediaError('fileNotFound', `${file} is a folder, not an ${kind} file. Pick a file inside it.`, file);
  if (stats.size === 0) {
    throw new MediaError('emptyFile', `${file} is empty (0 bytes), so it holds no ${kind}. The copy or download probably failed: fetch or export it again.`, file);
  }
  return stats;
}

/** Whole-file reads with the same error vocabulary as checkMediaFile. */
export function readMediaFile(file: string, kind: 'image' | 'video'): Buffer {
  checkMediaFile(file, kind);
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MediaError(kind === 'image' ? 'unreadableImage' : 'unreadableVideo', `${file} cannot be read (${code ?? (e as Error).message}). Check its permissions.`, file);
  }
}

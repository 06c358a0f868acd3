import { FILE_KINDS, FileProblem, FileReadError, checkRegularFile, readRegularFile } from '../files/regularFile';
import { MediaError, MediaErrorCode } from './mediaError';

/**
 * The checks every loader makes before decoding, so "no such file", "empty file", "a FIFO or a
 * device" and "far too large" get their own messages instead of a decoder's generic "invalid
 * data" (or a frozen server: see files/regularFile.ts).
 */

type MediaKind = 'image' | 'video';

function mediaCode(problem: FileProblem, kind: MediaKind): MediaErrorCode {
  if (problem === 'notFound') return 'fileNotFound';
  if (problem === 'empty') return 'emptyFile';
  if (problem === 'notRegular') return 'notAFile';
  if (problem === 'tooLarge') return 'tooLarge';
  return kind === 'image' ? 'unreadableImage' : 'unreadableVideo';
}

function asMediaError<T>(kind: MediaKind, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FileReadError) throw new MediaError(mediaCode(e.problem, kind), e.message, e.file);
    throw e;
  }
}

/** A regular file of a sane size for its kind (not read). Returns its size in bytes. */
export function checkMediaFile(file: string, kind: MediaKind): number {
  return asMediaError(kind, () => checkRegularFile(file, FILE_KINDS[kind]));
}

/** Whole-file reads with the same error vocabulary as checkMediaFile. */
export function readMediaFile(file: string, kind: MediaKind): Buffer {
  return asMediaError(kind, () => readRegularFile(file, FILE_KINDS[kind]));
}

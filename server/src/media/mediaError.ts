/**
 * Errors from loading user media. Each carries a machine-readable `code` (so the extension can
 * pick a UI action) and a message that names the file, says what is wrong and how to fix it.
 */

export type MediaErrorCode =
  | 'fileNotFound'
  | 'emptyFile'
  /** A FIFO, socket, device or folder where a file is meant. */
  | 'notAFile'
  /** Larger than any real file of its kind (bytes, pixels or frame size). */
  | 'tooLarge'
  | 'unreadableImage'
  | 'unreadableVideo'
  | 'noFrames'
  | 'unsupportedFormat'
  | 'ffmpegMissing'
  | 'timeout'
  | 'invalidRequest';

export class MediaError extends Error {
  readonly code: MediaErrorCode;
  /** The file the error is about, as the caller named it (null when no file is involved). */
  readonly file: string | null;

  constructor(code: MediaErrorCode, message: string, file: string | null = null) {
    super(message);
    this.name = 'MediaError';
    this.code = code;
    this.file = file;
  }
}

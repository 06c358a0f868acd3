import * as path from 'node:path';
import { MediaError } from './mediaError';

/**
 * Image or video, by file extension. Extensions rather than content sniffing, because the
 * caller needs the kind before reading (e.g. to choose the <image> or <video> prompt slot), and a
 * wrong extension is then reported by the loader with a decoding error that names the file.
 *
 * GIF is ambiguous: most GIFs people point at are single pictures, and an animated one still has
 * a meaningful first frame, so '.gif' is an image unless the caller asks for video
 * ({ gifAs: 'video' }), e.g. when the user picked it in a "choose a clip" dialog.
 */

export type MediaKind = 'image' | 'video';

export const IMAGE_EXTENSIONS: readonly string[] = ['png', 'jpg', 'jpeg', 'webp', 'bmp', 'gif'];
export const VIDEO_EXTENSIONS: readonly string[] = ['mp4', 'webm', 'mov', 'mkv', 'gif'];

export interface MediaKindOptions {
  /** How to treat '.gif' (default 'image': its first frame). */
  gifAs?: MediaKind;
}

/** The lower-case extension without the dot ('' when there is none). */
export function extensionOf(file: string): string {
  return path.extname(file).slice(1).toLowerCase();
}

export function mediaKindOf(file: string, opts: MediaKindOptions = {}): MediaKind {
  const ext = extensionOf(file);
  if (ext === 'gif') return opts.gifAs ?? 'image';
  if (IMAGE_EXTENSIONS.includes(ext)) return 'image';
  if (VIDEO_EXTENSIONS.includes(ext)) return 'video';
  const what = ext ? `has the extension .${ext}, which is not supported` : 'has no file extension';
  throw new MediaError(
    'unsupportedFormat',
    `${file} ${what}. Supported images: ${IMAGE_EXTENSIONS.map((e) => '.' + e).join(' ')}; ` +
      `videos: ${VIDEO_EXTENSIONS.map((e) => '.' + e).join(' ')}. Convert it to PNG/JPEG or MP4/WebM, or rename it if the extension is wrong.`,
    file,
  );
}

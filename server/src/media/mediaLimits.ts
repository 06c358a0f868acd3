/**
 * How large decoded media may be. A 774 KB PNG can declare 16000x16000 pixels (768 MB once
 * decoded) and a tiny video 8192x8192 frames; these caps keep the server well under 1.5 GB
 * whatever the file says, while leaving room for any real photo or video.
 */

const MEGAPIXEL = 1_000_000;

/** Images: 64 Mpx (48 and 50 Mpx camera photos fit); decoded 8-bit RGB is then at most 192 MB. */
export const MAX_IMAGE_PIXELS = 64 * MEGAPIXEL;

/** Video frames as stored: 8K UHD (7680x4320) and below; larger frames are refused from the probe. */
export const MAX_VIDEO_SOURCE_PIXELS = 7680 * 4320;

/**
 * Frames decoded at their own size (no size asked for) are scaled down by ffmpeg to at most this
 * many pixels (2048x2048, 12 MB a frame): the collector holds at least two frames per sampled one.
 */
export const MAX_NATIVE_FRAME_PIXELS = 2048 * 2048;

/** Decoded frames held at once, whatever the budget the caller passes. */
export const MAX_HELD_FRAME_BYTES = 512 * 1024 ** 2;

export function megapixels(pixels: number): string {
  return `${(pixels / MEGAPIXEL).toFixed(1)} Mpx`;
}

/** The largest size with the same aspect ratio within `maxPixels` (unchanged when it fits). */
export function fitWithin(width: number, height: number, maxPixels: number): { width: number; height: number } {
  if (width * height <= maxPixels) return { width, height };
  const scale = Math.sqrt(maxPixels / (width * height));
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}

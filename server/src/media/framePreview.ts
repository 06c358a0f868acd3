import sharp from 'sharp';
import type { RgbImage } from '../scenes/renderScene';

/**
 * A decoded frame as a PNG data URL for the panel's frame strip: the pixels the model was fed
 * (its frame at the encoder's size), so the strip cannot show another frame or another
 * rounding. Frames larger than `maxSide` are scaled down to it (aspect kept), so a result stays
 * small whatever the encoder's size: 8 frames of 384 x 384 are well under 2 MB.
 */

/** The largest side of a frame preview, in pixels. */
export const FRAME_PREVIEW_MAX_SIDE = 384;

export async function framePreviewDataUrl(image: RgbImage, maxSide = FRAME_PREVIEW_MAX_SIDE): Promise<string> {
  let pipeline = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.width * image.height * 3), {
    raw: { width: image.width, height: image.height, channels: 3 },
  });
  if (Math.max(image.width, image.height) > maxSide) pipeline = pipeline.resize({ width: maxSide, height: maxSide, fit: 'inside' });
  const png = await pipeline.png({ compressionLevel: 9 }).toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

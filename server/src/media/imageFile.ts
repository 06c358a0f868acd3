import sharp from 'sharp';
import type { RgbImage } from '../scenes/renderScene';
import { ImageDecodeError, decodeBmp, isBmp } from '../model/bmpDecoder';
import { readMediaFile } from './fileChecks';
import { MediaError } from './mediaError';
import { MAX_IMAGE_PIXELS, megapixels } from './mediaLimits';

/**
 * Image file -> 8-bit RGB, decoded as transformers' `load_image` + `convert('RGB')` would:
 *  - EXIF orientation is applied (load_image calls ImageOps.exif_transpose), so phone photos are
 *    upright;
 *  - alpha is dropped, keeping the stored RGB values (PIL's RGBA -> RGB conversion does not
 *    composite onto any background; sharp's removeAlpha() is the same operation). Flattening onto
 *    white or black would change the pixels the model was trained and evaluated on;
 *  - greyscale, CMYK and 16-bit inputs become 8-bit sRGB;
 *  - GIF and animated WebP give their first frame (load as video for all frames).
 * BMP goes to the in-repo decoder when sharp cannot read it: sharp's prebuilt libvips has no
 * BMP loader. Both refuse images above MAX_IMAGE_PIXELS from the header, before decoding, so a
 * small file declaring a huge image (a decompression bomb) cannot exhaust memory.
 */

export const IMAGE_FORMATS_HINT = 'PNG, JPEG, WebP, GIF or BMP';

async function decodeWithSharp(bytes: Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(bytes, { pages: 1, failOn: 'warning', limitInputPixels: MAX_IMAGE_PIXELS })
    .autoOrient()
    .toColourspace('srgb')
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
    throw new Error(`decoded to ${info.channels} channels and ${data.length} bytes for ${info.width}x${info.height}`);
  }
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Plain-language reason from a libvips message, which is often terse ("end of stream"). */
function explain(message: string): string {
  if (/unsupported image format/i.test(message)) return 'it is not in a supported image format (the bytes are not PNG, JPEG, WebP, GIF or BMP)';
  if (/end of stream|premature end|unexpected end|truncated|corrupt|out of data|read error|crc/i.test(message)) return `it looks cut short or corrupt (${message})`;
  return `the decoder failed (${message})`;
}

/** The declared size, read from the header only (undefined when sharp cannot read the header). */
async function declaredSize(bytes: Buffer): Promise<{ width: number; height: number } | undefined> {
  try {
    const { width, height } = await sharp(bytes, { pages: 1, limitInputPixels: false }).metadata();
    return width && height ? { width, height } : undefined;
  } catch {
    return undefined;
  }
}

export async function decodeImageFileBytes(bytes: Buffer, file: string): Promise<RgbImage> {
  try {
    return await decodeWithSharp(bytes);
  } catch (e) {
    if (/exceeds pixel limit/i.test((e as Error).message)) {
      const size = await declaredSize(bytes);
      const dims = size ? `${size.width}x${size.height} (${megapixels(size.width * size.height)})` : 'larger than the limit';
      throw new MediaError('tooLarge', `${file} declares an image of ${dims}, more than the ${megapixels(MAX_IMAGE_PIXELS)} this server decodes (such a file is often a decompression bomb). Scale it down, e.g. to 4096 pixels on the long side, and save it again.`, file);
    }
    if (isBmp(bytes)) {
      try {
        return decodeBmp(bytes, file, { maxPixels: MAX_IMAGE_PIXELS, tooLarge: (message) => new MediaError('tooLarge', message, file) });
      } catch (bmpError) {
        if (bmpError instanceof MediaError) throw bmpError;
        if (!(bmpError instanceof ImageDecodeError)) throw bmpError;
        throw new MediaError('unreadableImage', `${bmpError.message} Re-save it as PNG or JPEG.`, file);
      }
    }
    throw new MediaError('unreadableImage', `${file} cannot be read as an image: ${explain((e as Error).message)}. Open it in an image editor and re-save it as PNG or JPEG.`, file);
  }
}

/** Loads a PNG, JPEG, WebP, GIF (first frame) or BMP file as RGB. Throws MediaError. */
export async function loadImageFile(file: string): Promise<RgbImage> {
  const bytes = readMediaFile(file, 'image');
  return decodeImageFileBytes(bytes, file);
}

import sharp from 'sharp';
import type { RgbImage } from '../scenes/renderScene';
import { ImageDecodeError } from './bmpDecoder';
import type { PreprocessorConfig } from './modelFolder';

/**
 * Decoded pixels -> the vision encoder's `pixel_values`: resize to the preprocessor size,
 * rescale, normalise, channels first (CHW), float32 — in that order, as preprocessor_config.json
 * says. Files are decoded once, by media/imageFile.ts.
 */

/** PIL resampling codes (preprocessor_config.json "resample") -> the nearest sharp kernel. */
/** The sharp kernels used here (sharp 0.35's ESM typings do not expose its KernelEnum namespace to a default import). */
type SharpKernel = 'nearest' | 'linear' | 'cubic' | 'lanczos3';

const SHARP_KERNELS: Record<number, SharpKernel> = {
  0: 'nearest',
  1: 'lanczos3',
  2: 'linear',
  3: 'cubic',
  4: 'linear', // box: sharp has none; linear is the closest averaging kernel
  5: 'linear', // hamming: likewise
};

/** The (height, width) the encoder takes, after any resize and centre crop. */
export function outputSize(cfg: PreprocessorConfig): { height: number; width: number } {
  if (cfg.do_center_crop && cfg.crop_size) return cfg.crop_size;
  if ('height' in cfg.size) return { height: cfg.size.height, width: cfg.size.width };
  return { height: cfg.size.shortest_edge, width: cfg.size.shortest_edge };
}

/** The resize step alone (the training export resizes its canvases through it, as a user's picture is). */
export async function resize(image: RgbImage, cfg: PreprocessorConfig): Promise<RgbImage> {
  const out = outputSize(cfg);
  if (cfg.do_resize === false || (image.width === out.width && image.height === out.height)) {
    if (image.width !== out.width || image.height !== out.height) {
      throw new ImageDecodeError(`The image is ${image.width}x${image.height} but preprocessor_config.json turns resizing off and the encoder takes ${out.width}x${out.height}.`);
    }
    return image;
  }
  const kernel = SHARP_KERNELS[cfg.resample ?? 2] ?? 'linear';
  let pipeline = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), { raw: { width: image.width, height: image.height, channels: 3 } });
  if ('height' in cfg.size) {
    pipeline = pipeline.resize(cfg.size.width, cfg.size.height, { fit: 'fill', kernel });
  } else {
    const scale = cfg.size.shortest_edge / Math.min(image.width, image.height);
    const [w, h] = [Math.round(image.width * scale), Math.round(image.height * scale)];
    pipeline = sharp(await pipeline.resize(w, h, { fit: 'fill', kernel }).raw().toBuffer(), { raw: { width: w, height: h, channels: 3 } });
    pipeline = pipeline.extract({ left: Math.floor((w - out.width) / 2), top: Math.floor((h - out.height) / 2), width: out.width, height: out.height });
  }
  const data = await pipeline.raw().toBuffer();
  if (data.length !== out.width * out.height * 3) throw new Error(`Resize returned ${data.length} bytes for a ${out.width}x${out.height} RGB image.`);
  return { width: out.width, height: out.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Rescale and normalise HWC bytes into a CHW float32 array (no resizing). */
export function toPixelValues(image: RgbImage, cfg: PreprocessorConfig): Float32Array {
  const { width, height, data } = image;
  if (data.length !== width * height * 3) throw new ImageDecodeError(`An RGB image of ${width}x${height} needs ${width * height * 3} bytes, not ${data.length}.`);
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  const scale = cfg.do_rescale ? cfg.rescale_factor : 1;
  for (let c = 0; c < 3; c++) {
    const mean = cfg.do_normalize ? cfg.image_mean[c] : 0;
    const std = cfg.do_normalize ? cfg.image_std[c] : 1;
    for (let i = 0; i < plane; i++) out[c * plane + i] = (data[i * 3 + c] * scale - mean) / std;
  }
  return out;
}

/** One image -> `pixel_values` for one image: float32 [3, H, W]. */
export async function preprocessImage(image: RgbImage, cfg: PreprocessorConfig): Promise<Float32Array> {
  return toPixelValues(await resize(image, cfg), cfg);
}

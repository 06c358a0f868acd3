import {
  Idefics3ImageProcessor,
  ImageProcessor,
  Qwen2VLImageProcessor,
  RawImage,
  Tensor,
  cat,
  full,
  stack,
} from '@huggingface/transformers';
import { PIL_FILTERS, resampleChannels } from './pilResample';

/**
 * Makes one transformers.js image processor resize as Hugging Face's does: with PIL
 * (resamplePil), not with sharp. transformers.js 4.3.2 resizes in `RawImage.resize` with sharp's
 * affine/lanczos3 kernels, which do not antialias like PIL and round differently (several grey
 * levels off on a downscale); Idefics3/SmolVLM also resize normalised float tensors with a
 * bilinear ONNX op where Hugging Face resizes uint8 images with PIL LANCZOS.
 *
 * Hook points, on the processor instance only (RawImage is shared by every other caller, so a
 * global patch would change them too):
 *  - `resize(image)`: the base `ImageProcessor.preprocess` resizes only through `this.resize`,
 *    after sizing with `this.get_resize_output_image_size` (which per-family classes such as
 *    Qwen2-VL's smart_resize override); replacing it keeps each family's sizing and swaps only
 *    the pixels. CLIP/LLaVA, SigLIP/Gemma-3 and Qwen2-VL go through here.
 *  - Idefics3/SmolVLM `_call`: its extra resizes (to vision-encoder multiples, the global tile,
 *    the unsplit square) are `interpolate_4d` calls inside `_call`, so `_call` is replaced by the
 *    same steps done on uint8 images with PIL, as Hugging Face orders them.
 * A class that defines other methods of its own (its own `_call`, `preprocess`, `thumbnail`...)
 * may resample elsewhere; it is refused rather than half patched, until reviewed here.
 * Sizing stays transformers.js's: where it differs from Hugging Face (Python's round-half-even in
 * Qwen2-VL's smart_resize, Idefics3's even-height rule) sizes, not pixels, are what differ.
 */

/** A transformers.js image processor as used here (fields from `preprocessor_config.json`). */
interface ProcessorFields {
  size: unknown;
  resample: number | string;
  do_resize: boolean;
  do_thumbnail?: boolean;
  do_convert_rgb: boolean;
  do_rescale: boolean;
  do_normalize?: boolean;
  image_mean: number | number[];
  image_std: number | number[];
  rescale(pixelData: Float32Array): void;
  get_resize_output_image_size(image: RawImage, size: unknown): [number, number];
  resize(image: RawImage): Promise<RawImage>;
}
interface Idefics3Fields extends ProcessorFields {
  do_image_splitting: boolean;
  max_image_size: { longest_edge: number };
  get_resize_for_vision_encoder(pixelValues: { dims: number[] }, maxSize: number): { height: number; width: number };
}

/** Methods a class may define without resampling anywhere but `this.resize` (sizes only). */
const SIZING_ONLY = new Set(['constructor', 'get_resize_output_image_size', 'get_resize_for_vision_encoder']);
/** Methods read and found not to resample (Qwen2-VL's `_call` only patchifies), or replaced here. */
const REVIEWED = new Map<unknown, ReadonlySet<string>>([
  [Qwen2VLImageProcessor.prototype, new Set(['_call'])],
  [Idefics3ImageProcessor.prototype, new Set(['_call', 'split_image'])],
]);
const INSTALLED = Symbol('spatialIds.pilResampling');
const FILTER_BY_NAME: Record<string, number> = {
  nearest: PIL_FILTERS.NEAREST,
  lanczos: PIL_FILTERS.LANCZOS,
  bilinear: PIL_FILTERS.BILINEAR,
  bicubic: PIL_FILTERS.BICUBIC,
  box: PIL_FILTERS.BOX,
  hamming: PIL_FILTERS.HAMMING,
};

function pilFilter(resample: number | string): number {
  const code = typeof resample === 'string' ? FILTER_BY_NAME[resample] : resample;
  if (code === undefined || !Number.isInteger(code) || code < 0 || code > 5) throw new RangeError(`unknown resample ${String(resample)}`);
  return code;
}

/** PIL resize of a RawImage (1 or 3 channels); the same image back when the size is unchanged, as RawImage.resize does. */
export function pilResizeRaw(image: RawImage, width: number, height: number, resample: number | string): RawImage {
  if (image.width === width && image.height === height) return image;
  const channels = image.channels;
  if (channels !== 1 && channels !== 3) {
    throw new Error(`PIL resampling of ${channels}-channel images is not mirrored (PIL premultiplies alpha); convert to RGB first`);
  }
  const src = { width: image.width, height: image.height, data: new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.length) };
  const out = resampleChannels(src, width, height, pilFilter(resample), channels);
  return new RawImage(new Uint8ClampedArray(out.buffer, out.byteOffset, out.length), width, height, channels);
}

/** The image processor inside a Processor (`AutoProcessor`), or the argument itself (`AutoImageProcessor`). */
function imageProcessorOf(target: unknown): ImageProcessor {
  if (target instanceof ImageProcessor) return target;
  const inner = (target as { image_processor?: unknown } | null)?.image_processor;
  if (inner instanceof ImageProcessor) return inner;
  throw new TypeError('expected a transformers.js ImageProcessor or a Processor with an image_processor');
}

/** Refuse classes whose own methods could resample outside what is patched here. */
function checkReviewed(processor: ImageProcessor): void {
  for (let proto = Object.getPrototypeOf(processor); proto && proto !== ImageProcessor.prototype; proto = Object.getPrototypeOf(proto)) {
    const reviewed = REVIEWED.get(proto) ?? new Set<string>();
    const own = Object.getOwnPropertyNames(proto).filter((m) => !SIZING_ONLY.has(m) && !reviewed.has(m));
    if (own.length) {
      const name = (proto as { constructor: { name: string } }).constructor.name;
      throw new Error(`${name} defines ${own.join(', ')}: it may resize outside ImageProcessor.resize, so PIL resampling is not installed for it`);
    }
  }
}

/**
 * Install PIL resampling on `target` (an image processor, or a processor holding one). Idempotent.
 * Throws for processors it cannot make faithful (see checkReviewed; `do_thumbnail`, whose
 * Hugging Face counterpart resizes with `reducing_gap`).
 */
export function usePilResampling(target: unknown): void {
  const processor = imageProcessorOf(target);
  const p = processor as unknown as ProcessorFields & Record<PropertyKey, unknown>;
  if (p[INSTALLED]) return;
  checkReviewed(processor);
  if (p.do_thumbnail) throw new Error('do_thumbnail is not mirrored: Hugging Face thumbnails with reducing_gap, which resamplePil does not implement');
  pilFilter(p.resample); // fail at install time, not on the first image
  p.resize = async function resize(this: ProcessorFields, image: RawImage): Promise<RawImage> {
    const [width, height] = this.get_resize_output_image_size(image, this.size);
    return pilResizeRaw(image, width, height, this.resample);
  };
  if (processor instanceof Idefics3ImageProcessor) p._call = idefics3Call;
  p[INSTALLED] = true;
}

/** Rescale and normalise a uint8 image into a CHW float tensor, as ImageProcessor.preprocess does. */
function toPixelValues(processor: ProcessorFields, image: RawImage): Tensor {
  const data = Float32Array.from(image.data);
  const c = image.channels;
  if (processor.do_rescale) processor.rescale(data);
  if (processor.do_normalize) {
    const mean = Array.isArray(processor.image_mean) ? processor.image_mean : new Array<number>(c).fill(processor.image_mean);
    const std = Array.isArray(processor.image_std) ? processor.image_std : new Array<number>(c).fill(processor.image_std);
    if (mean.length !== c || std.length !== c) throw new Error(`image_mean/image_std have ${mean.length}/${std.length} entries for ${c} channels`);
    for (let i = 0; i < data.length; i += c) for (let j = 0; j < c; j++) data[i + j] = (data[i + j] - mean[j]) / std[j];
  }
  return new Tensor('float32', data, [image.height, image.width, c]).permute(2, 0, 1);
}

/** Rows [y0, y0 + h) and columns [x0, x0 + w) of a uint8 image. */
function cropRaw(image: RawImage, x0: number, y0: number, w: number, h: number): RawImage {
  const c = image.channels;
  const out = new Uint8ClampedArray(w * h * c);
  for (let y = 0; y < h; y++) {
    const from = ((y0 + y) * image.width + x0) * c;
    out.set(image.data.subarray(from, from + w * c), y * w * c);
  }
  return new RawImage(out, w, h, c);
}

/** Tiles (row by row, the last row/column anchored to the edge) then the global image, as split_image cuts them. */
function splitTiles(image: RawImage, max: number, resample: number | string): { frames: RawImage[]; rows: number; cols: number } {
  const { width, height } = image;
  if (height <= max && width <= max) return { frames: [image], rows: 0, cols: 0 };
  const rows = Math.ceil(height / max);
  const cols = Math.ceil(width / max);
  const tileH = Math.ceil(height / rows);
  const tileW = Math.ceil(width / cols);
  const frames: RawImage[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const y0 = r === rows - 1 ? height - tileH : r * tileH;
      const x0 = c === cols - 1 ? width - tileW : c * tileW;
      frames.push(cropRaw(image, x0, y0, tileW, tileH));
    }
  }
  frames.push(pilResizeRaw(image, max, max, resample));
  return { frames, rows, cols };
}

type ImageBatch = RawImage | RawImage[] | RawImage[][];

/**
 * Idefics3ImageProcessor._call with every resize done in uint8 with PIL, in Hugging Face's order:
 * resize to longest_edge, then (splitting) to vision-encoder multiples, tiles and a global image
 * resized to max_image_size, or (no splitting) a square of max_image_size; then rescale and
 * normalise each frame. Output layout as transformers.js's (pixel_values [batch, frames, 3, h, w],
 * pixel_attention_mask, rows/cols on request), frames zero-padded across a batch.
 */
async function idefics3Call(
  this: Idefics3Fields,
  images: ImageBatch,
  { do_image_splitting = null, return_row_col_info = false }: { do_image_splitting?: boolean | null; return_row_col_info?: boolean } = {},
) {
  let batches: RawImage[][];
  if (!Array.isArray(images)) batches = [[images]];
  else if (images.length === 0 || !images[0]) throw new Error('No images provided.');
  else batches = Array.isArray(images[0]) ? (images as RawImage[][]) : [images as RawImage[]];

  const split = do_image_splitting ?? this.do_image_splitting;
  const max = this.max_image_size.longest_edge;
  const allPixelValues: Tensor[] = [];
  const rows: number[][] = [];
  const cols: number[][] = [];
  const original_sizes: [number, number][] = [];
  const reshaped_input_sizes: [number, number][] = [];
  for (const batch of batches) {
    const perImage = await Promise.all(
      batch.map(async (source) => {
        let image = this.do_convert_rgb ? source.rgb() : source;
        if (this.do_resize) image = await this.resize(image);
        const reshaped: [number, number] = [image.height, image.width];
        let cut: { frames: RawImage[]; rows: number; cols: number };
        if (split) {
          const target = this.get_resize_for_vision_encoder({ dims: [image.channels, image.height, image.width] }, max);
          cut = splitTiles(pilResizeRaw(image, target.width, target.height, this.resample), max, this.resample);
        } else {
          cut = { frames: [pilResizeRaw(image, max, max, this.resample)], rows: 0, cols: 0 };
        }
        const original: [number, number] = [source.height, source.width];
        return { original, reshaped, ...cut, tensor: stack(cut.frames.map((f) => toPixelValues(this, f)), 0) };
      }),
    );
    original_sizes.push(...perImage.map((x) => x.original));
    reshaped_input_sizes.push(...perImage.map((x) => x.reshaped));
    rows.push(perImage.map((x) => x.rows));
    cols.push(perImage.map((x) => x.cols));
    allPixelValues.push(cat(perImage.map((x) => x.tensor), 0));
  }

  const [n0, c, h, w] = allPixelValues[0].dims;
  let pixel_values: Tensor;
  let pixel_attention_mask: Tensor;
  if (allPixelValues.length === 1) {
    pixel_values = allPixelValues[0].unsqueeze_(0);
    pixel_attention_mask = full([1, n0, h, w], true);
  } else {
    // Samples with fewer frames get zero frames, masked out.
    const most = Math.max(...allPixelValues.map((x) => x.dims[0]));
    pixel_attention_mask = full([allPixelValues.length, most, h, w], true);
    const mask = pixel_attention_mask.data as unknown as boolean[];
    const perSample = most * h * w;
    allPixelValues.forEach((x, i) => {
      const n = x.dims[0];
      if (n === most) return;
      allPixelValues[i] = cat([x, full([most - n, c, h, w], 0)], 0);
      mask.fill(false, i * perSample + n * h * w, (i + 1) * perSample);
    });
    pixel_values = stack(allPixelValues, 0);
  }
  return {
    pixel_values,
    pixel_attention_mask,
    original_sizes,
    reshaped_input_sizes,
    ...(return_row_col_info ? { rows, cols } : {}),
  };
}

/**
 * Output sizes as Hugging Face's Python image processors compute them, where transformers.js's
 * differ: Python's round() rounds halves to even (JavaScript's Math.round rounds them up), which
 * moves Qwen2-VL's smart_resize by one 28-px step on some sizes; Idefics3 makes the short side
 * even after scaling the long side to `longest_edge`. A size off by one patch changes the token
 * grid, so every later number would differ from the model's own.
 */

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Qwen2-VL's smart_resize: [height, width], multiples of `factor`, pixels within [minPixels, maxPixels]. */
export function qwen2vlSmartResize(height: number, width: number, factor: number, minPixels: number, maxPixels: number): [number, number] {
  if (Math.max(height, width) / Math.min(height, width) > 200) {
    throw new Error(`absolute aspect ratio must be smaller than 200, got ${Math.max(height, width) / Math.min(height, width)}`);
  }
  let h = roundHalfEven(height / factor) * factor;
  let w = roundHalfEven(width / factor) * factor;
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.max(factor, Math.floor(height / beta / factor) * factor);
    w = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / factor) * factor;
    w = Math.ceil((width * beta) / factor) * factor;
  }
  return [h, w];
}

/** Hugging Face keeps every image below this side (Idefics3's MAX_IMAGE_SIZE). */
const IDEFICS3_MAX_SIDE = 4096;

/** Idefics3's resize to `longestEdge`: [height, width], the short side made even, both at least 1. */
export function idefics3ResizeSize(height: number, width: number, longestEdge: number): [number, number] {
  const aspect = width / height;
  let [h, w] = [height, width];
  if (width >= height) {
    w = longestEdge;
    h = Math.trunc(w / aspect);
    if (h % 2 !== 0) h += 1;
  } else {
    h = longestEdge;
    w = Math.trunc(h * aspect);
    if (w % 2 !== 0) w += 1;
  }
  [h, w] = [Math.max(h, 1), Math.max(w, 1)];
  if (w >= h && w > IDEFICS3_MAX_SIDE) {
    w = IDEFICS3_MAX_SIDE;
    h = Math.trunc(w / aspect);
  } else if (h > w && h > IDEFICS3_MAX_SIDE) {
    h = IDEFICS3_MAX_SIDE;
    w = Math.trunc(h * aspect);
  }
  return [Math.max(h, 1), Math.max(w, 1)];
}

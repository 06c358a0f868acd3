import { Qwen2VLForConditionalGeneration } from '@huggingface/transformers';
import { qwen2vlSmartResize } from '../../media/huggingFaceSizes';
import type { ModelFolder } from '../modelFolder';
import { placeGrid } from '../mediaPlaces';
import { tablePositions } from '../positionIds';
import type { PromptToken } from '../promptProcessor';
import type { FamilyProcessing } from './processorModel';
import { Processor, ProcessorOutputs, RawImage, Tensor, intValues } from './transformersJs';

/**
 * Qwen2-VL and Qwen2.5-VL: the picture is resized to a multiple of 28 px near its own size
 * (smart_resize), cut into 14-px patches flattened with their 2-frame temporal axis (1176
 * values each), and merged 2x2 into one token each, so the token grid follows the picture.
 * The decoder takes M-RoPE position ids: three rows (time, height, width) laid over the image
 * grid by get_rope_index, then `position + rope delta` for the tokens after the prompt.
 */

interface QwenImageFields {
  patch_size: number;
  merge_size: number;
  min_pixels: number;
  max_pixels: number;
  get_resize_output_image_size(image: RawImage): [number, number];
}

/** The paper's scenes: a 4x4 grid of 224-px cells. */
const PAPER_SIDE = 4 * 224;

/**
 * The square side nearest the paper's 896 px that smart_resize leaves as it is: a multiple of
 * patch x merge (28) whose area lies within min/max pixels, so the token grid is side / 28 and
 * no pixel is resampled.
 */
export function qwenSceneSide(factor: number, minPixels: number, maxPixels: number): number {
  let side = Math.max(factor, Math.round(PAPER_SIDE / factor) * factor);
  if (side * side > maxPixels) side = Math.max(factor, Math.floor(Math.sqrt(maxPixels) / factor) * factor);
  if (side * side < minPixels) side = Math.ceil(Math.sqrt(minPixels) / factor) * factor;
  const [h, w] = qwen2vlSmartResize(side, side, factor, minPixels, maxPixels);
  if (h !== side || w !== side) throw new Error(`No square side is kept by smart_resize with min_pixels ${minPixels} and max_pixels ${maxPixels} (tried ${side}).`);
  return side;
}

type RopeIndex = (inputIds: Tensor, imageGridThw: Tensor | null, videoGridThw: Tensor | null, attentionMask: Tensor | null) => [Tensor, Tensor];

/**
 * transformers.js's own get_rope_index, called on an object that holds only the config: the
 * method reads nothing but `this.config` and its sibling helpers, and borrowing it keeps the
 * family's position layout in the library that is checked against Hugging Face, not in a copy.
 */
function ropeIndexOf(folder: ModelFolder): RopeIndex {
  const holder = Object.create(Qwen2VLForConditionalGeneration.prototype) as { config: unknown; get_rope_index: RopeIndex };
  holder.config = folder.config;
  return holder.get_rope_index.bind(holder);
}

function qwenFamily(gridInput: string): FamilyProcessing {
  return {
    imageToken: '<|image_pad|>',
    adjust(processor: Processor) {
      // Hugging Face's smart_resize rounds halves to even; transformers.js's rounds them up.
      const images = processor.image_processor as unknown as QwenImageFields;
      images.get_resize_output_image_size = (image: RawImage) => {
        const [h, w] = qwen2vlSmartResize(image.height, image.width, images.patch_size * images.merge_size, images.min_pixels, images.max_pixels);
        return [w, h];
      };
    },
    process: async (processor: Processor, text: string, image: RawImage) => (await processor(text, image)) as ProcessorOutputs,
    sceneCanvas(processor: Processor) {
      const images = processor.image_processor as unknown as QwenImageFields;
      const side = qwenSceneSide(images.patch_size * images.merge_size, images.min_pixels, images.max_pixels);
      return { width: side, height: side };
    },
    visionInputSources: { [gridInput]: 'image_grid_thw' },
    placeMedia(tokens: PromptToken[], outputs: ProcessorOutputs, folder: ModelFolder) {
      // one token per merge x merge patches: the token grid is the patch grid divided by the merge size
      const [, h, w] = intValues(outputs.image_grid_thw);
      const merge = (folder.config.vision_config?.spatial_merge_size as number | undefined) ?? 2;
      placeGrid(tokens, h / merge, w / merge);
    },
    positions(ids: readonly number[], outputs: ProcessorOutputs, folder: ModelFolder) {
      const inputIds = new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
      const [positionIds] = ropeIndexOf(folder)(inputIds, outputs.image_grid_thw ?? null, null, null);
      const flat = intValues(positionIds);
      return tablePositions([0, 1, 2].map((r) => flat.slice(r * ids.length, (r + 1) * ids.length)));
    },
  };
}

/** Qwen2-VL's vision encoder takes the grid as `grid_thw`, Qwen2.5-VL's as `image_grid_thw`. */
export const qwen2vl = qwenFamily('grid_thw');
export const qwen25vl = qwenFamily('image_grid_thw');

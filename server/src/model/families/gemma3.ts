import { linearPositions } from '../positionIds';
import type { FamilyProcessing } from './processorModel';
import type { Processor, ProcessorOutputs, RawImage } from './transformersJs';

/**
 * Gemma-3: `<start_of_image>` in the chat text becomes `\n\n<start_of_image>`, mm_tokens_per_image
 * `<image_soft_token>`s and `<end_of_image>\n\n`; the features replace the soft tokens. Newer
 * exports (onnxruntime-genai builder) take no position_ids; graphs that do count from 1, as
 * transformers.js feeds them.
 */
export const gemma3: FamilyProcessing = {
  imageToken: '<image_soft_token>',
  // The template writes <bos> itself; Hugging Face's apply_chat_template(tokenize=True) then adds no other.
  process: async (processor: Processor, text: string, image: RawImage) => (await processor(text, image, { add_special_tokens: false })) as ProcessorOutputs,
  positions: () => linearPositions(1),
  fixedImage(folder) {
    const tokens = folder.config.mm_tokens_per_image;
    const size = (folder.preprocessor as { size?: { height?: number; width?: number } }).size;
    return typeof tokens === 'number' && size?.height && size.width ? { tokens, size: { width: size.width, height: size.height } } : null;
  },
};

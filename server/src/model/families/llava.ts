import { ModelFolder, ModelFolderError } from '../modelFolder';
import { linearPositions } from '../positionIds';
import type { FamilyProcessing } from './processorModel';
import type { Processor, ProcessorOutputs, RawImage } from './transformersJs';

/**
 * LLaVA-1.5 in llava-hf's layout: CLIP tower, projector, Llama decoder; one `<image>` becomes
 * (side / patch)^2 + num_additional_image_tokens tokens, minus one when the CLS feature is
 * dropped (vision_feature_select_strategy "default"), as Hugging Face's LlavaProcessor counts.
 */

interface LlavaProcessorConfig {
  patch_size?: number;
  num_additional_image_tokens?: number;
  vision_feature_select_strategy?: string;
}

function strategyOf(folder: ModelFolder, cfg: LlavaProcessorConfig): string | undefined {
  return cfg.vision_feature_select_strategy ?? (folder.config.vision_feature_select_strategy as string | undefined);
}

/** The encoder's square input side: crop_size, else size. */
function inputSide(folder: ModelFolder): number | undefined {
  const p = folder.preprocessor as { crop_size?: { height?: number }; size?: { shortest_edge?: number; height?: number } };
  return p.crop_size?.height ?? p.size?.shortest_edge ?? p.size?.height;
}

export const llava: FamilyProcessing = {
  imageToken: '<image>',
  adjust(processor: Processor, folder: ModelFolder) {
    const cfg = (processor as unknown as { config: LlavaProcessorConfig }).config;
    // Without patch_size transformers.js would silently insert no image tokens at all.
    if (typeof cfg.patch_size !== 'number') {
      throw new ModelFolderError(`${folder.dir}/processor_config.json has no "patch_size": add the vision tower's patch size (llava-hf: 14) with "num_additional_image_tokens" and "vision_feature_select_strategy", as llava-hf's processor_config.json has them.`);
    }
    // transformers.js does not subtract the dropped CLS token that Hugging Face subtracts.
    if (strategyOf(folder, cfg) === 'default') cfg.num_additional_image_tokens = (cfg.num_additional_image_tokens ?? 0) - 1;
  },
  process: async (processor: Processor, text: string, image: RawImage) => (await processor(image, text)) as ProcessorOutputs,
  positions: () => linearPositions(),
  fixedImage(folder: ModelFolder) {
    const side = inputSide(folder);
    const cfg = (folder.processor ?? {}) as LlavaProcessorConfig;
    if (!side || !cfg.patch_size) return null;
    const extra = (cfg.num_additional_image_tokens ?? 0) - (strategyOf(folder, cfg) === 'default' ? 1 : 0);
    return { tokens: Math.floor(side / cfg.patch_size) ** 2 + extra, size: { width: side, height: side } };
  },
};

import { linearPositions } from '../positionIds';
import type { FamilyProcessing } from './processorModel';
import type { Processor, ProcessorOutputs, RawImage } from './transformersJs';

/**
 * Idefics3 / SmolVLM: the processor splits the picture into tiles plus a downscaled global
 * image, each tile's tokens framed by `<fake_token_around_image>` and a `<row_r_col_c>` or
 * `<global-img>` marker; the vision encoder takes the tiles with their pixel attention mask.
 * Positions are plain 1-D counts.
 */
export const idefics3: FamilyProcessing = {
  imageToken: '<image>',
  process: async (processor: Processor, text: string, image: RawImage) => (await processor(text, image)) as ProcessorOutputs,
  positions: () => linearPositions(),
};

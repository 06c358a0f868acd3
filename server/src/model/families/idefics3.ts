import { idefics3ResizeSize } from '../../media/huggingFaceSizes';
import { placeTiles } from '../mediaPlaces';
import { ModelFolder, ModelFolderError } from '../modelFolder';
import { linearPositions } from '../positionIds';
import type { PromptToken } from '../promptProcessor';
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
  adjust(processor: Processor) {
    // Hugging Face makes the short side even after scaling the long side; transformers.js does not.
    const images = processor.image_processor as unknown as { size?: { longest_edge?: number }; get_resize_output_image_size(image: RawImage): [number, number] };
    const longest = images.size?.longest_edge;
    if (longest === undefined) return;
    images.get_resize_output_image_size = (image: RawImage) => {
      const [h, w] = idefics3ResizeSize(image.height, image.width, longest);
      return [w, h];
    };
  },
  process: async (processor: Processor, text: string, image: RawImage) => (await processor(text, image)) as ProcessorOutputs,
  sceneCanvas(processor: Processor, folder: ModelFolder) {
    // Every picture is first scaled to size.longest_edge (SmolVLM: 2048, upscaling a 512-px one),
    // then cut into max_image_size tiles: a square of longest_edge, a whole number of tiles, is
    // cut unresized (only the global image is a downscale, as for any picture).
    const images = processor.image_processor as unknown as { do_resize?: boolean; size?: { longest_edge?: number }; max_image_size?: { longest_edge?: number } };
    const tile = images.max_image_size?.longest_edge;
    const longest = images.do_resize === false ? undefined : images.size?.longest_edge;
    const side = longest ?? tile;
    if (!side) throw new ModelFolderError(`${folder.dir}/preprocessor_config.json has neither size.longest_edge nor max_image_size.longest_edge: add the tile size (SmolVLM: max_image_size {"longest_edge": 512}).`);
    return { width: side, height: side };
  },
  positions: () => linearPositions(),
  placeMedia(tokens: PromptToken[], _outputs: ProcessorOutputs, folder: ModelFolder) {
    const perTile = (folder.processor.image_seq_len as number | undefined) ?? (folder.config.image_seq_len as number | undefined) ?? 64;
    placeTiles(tokens, perTile);
  },
};

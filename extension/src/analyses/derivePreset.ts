import type { DeriveIdsParams, ModelInfo } from '../../../protocol/requests';

/**
 * What the editor's Derive IDs asks of a model. The bundled model gets the server's full default
 * (4 object words x 4 sizes: 1,536 scenes, seconds on its 96-px canvas). Any other model reads
 * scenes at its own canvas (896 px for Qwen2-VL: minutes per scene on a 2B model on CPU), so the
 * editor derives from two objects at one size (60 scenes), the smallest set that still gives
 * every cell of the 4x4 grid both objects against both corner anchors. The CLI's derive-ids
 * takes any other set (--objects, --sizes).
 */

const BUNDLED_FAMILY = 'tiny-spatial-vlm';

/** Two of the scene engine's object words, each named freely by real tokenizers. */
const PRESET_OBJECTS = ['red circle', 'blue square'];
/** Pixels of the 96-px reference canvas (requests give sizes there): the paper's 174-px object of a 224-px cell, on a 24-px cell. */
const PRESET_SIZE = 18;

export function panelDeriveParams(info: Pick<ModelInfo, 'family'>, kind: 'spatial' | 'temporal'): Partial<DeriveIdsParams> {
  if (info.family === BUNDLED_FAMILY || kind !== 'spatial') return {};
  return { objects: PRESET_OBJECTS, sizes: [PRESET_SIZE] };
}

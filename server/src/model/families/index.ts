import type { ModelFolder } from '../modelFolder';
import type { OrtSessions } from '../ortSessions';
import type { VisionLanguageModel } from './family';
import type { FamilyName } from './familyNames';
import { gemma3 } from './gemma3';
import { idefics3 } from './idefics3';
import { llava } from './llava';
import { FamilyProcessing, ProcessorModel } from './processorModel';
import { qwen25vl, qwen2vl } from './qwen2vl';
import { TinySpatialVlm } from './tinySpatialVlm';

/** The families by name (familyNames.ts gates config.json's model_type onto these). */
const PROCESSING: Record<Exclude<FamilyName, 'tiny-spatial-vlm'>, FamilyProcessing> = {
  llava,
  qwen2_vl: qwen2vl,
  qwen2_5_vl: qwen25vl,
  gemma3,
  idefics3,
};

/** The folder's family around its open sessions. */
export async function openFamilyModel(folder: ModelFolder, session: OrtSessions): Promise<VisionLanguageModel> {
  if (folder.family === 'tiny-spatial-vlm') return new TinySpatialVlm(folder, session);
  return ProcessorModel.open(folder, session, PROCESSING[folder.family]);
}

import type { VisionLanguageModel as FamilyModel } from './families/family';
import { openFamilyModel } from './families/index';
import { OnnxVariant, openModelFolder } from './modelFolder';
import { OrtSessions, OrtSessionsOptions } from './ortSessions';

export type { EncodedMedia, PreparedPrompt } from './families/family';
export type VisionLanguageModel = FamilyModel;

/**
 * Opens a model folder as its family reads it: the folder checked, the ONNX sessions open, the
 * family's processor loaded. Answering is the run API's (run/modelRunner.ts), so every caller
 * (panel, palette, CLI, eval-model) answers one way.
 */
export const VisionLanguageModel = {
  async load(dir: string, opts: OrtSessionsOptions & { variant?: OnnxVariant } = {}): Promise<VisionLanguageModel> {
    const folder = openModelFolder(dir, { variant: opts.variant });
    const session = await OrtSessions.open(folder, opts);
    try {
      return await openFamilyModel(folder, session);
    } catch (e) {
      await session.dispose(); // no half-open model
      throw e;
    }
  },
};

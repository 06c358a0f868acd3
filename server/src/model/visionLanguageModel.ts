import type { RgbImage } from '../scenes/renderScene';
import { preprocessImage } from './imagePreprocessor';
import { ModelFolder, OnnxVariant, openModelFolder } from './modelFolder';
import { MediaKind, ProcessedPrompt, PromptProcessor } from './promptProcessor';
import { MediaFeatures, OrtSessions, OrtSessionsOptions } from './ortSessions';

/**
 * A loaded model folder: ties the folder, the prompt processor, the image preprocessor and the
 * ONNX sessions together, and encodes media and prompts. Answering is the run API's
 * (run/modelRunner.ts), so every caller (panel, palette, CLI, eval-model) answers one way.
 */

export interface EncodedMedia {
  kind: MediaKind;
  features: MediaFeatures;
}

export class VisionLanguageModel {
  private constructor(
    readonly folder: ModelFolder,
    readonly prompts: PromptProcessor,
    readonly session: OrtSessions,
  ) {}

  static async load(dir: string, opts: OrtSessionsOptions & { variant?: OnnxVariant } = {}): Promise<VisionLanguageModel> {
    const folder = openModelFolder(dir, { variant: opts.variant });
    const prompts = PromptProcessor.fromFolder(folder);
    return new VisionLanguageModel(folder, prompts, await OrtSessions.open(folder, opts));
  }

  async encodeImage(image: RgbImage): Promise<EncodedMedia> {
    const features = await this.session.encodeImages([await preprocessImage(image, this.folder.preprocessor)]);
    return { kind: 'image', features: { image: features.data as Float32Array } };
  }

  async encodeClip(frames: readonly RgbImage[]): Promise<EncodedMedia> {
    const pixels = await Promise.all(frames.map((f) => preprocessImage(f, this.folder.preprocessor)));
    const features = await this.session.encodeVideo(pixels);
    return { kind: 'video', features: { video: features.data as Float32Array } };
  }

  /** The chat prompt for a question about the media, embedded with the media features merged in. */
  async promptEmbeds(question: string, media: EncodedMedia): Promise<{ prompt: ProcessedPrompt; embeds: Float32Array }> {
    const prompt = this.prompts.encodeQuestion(question, media.kind);
    return { prompt, embeds: await this.session.inputsEmbeds(prompt.ids, media.features) };
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}

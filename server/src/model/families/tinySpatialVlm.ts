import type { RgbImage } from '../../scenes/renderScene';
import { BUNDLED_CANVAS, SceneCanvas } from '../../scenes/sceneGeometry';
import { outputSize, preprocessImage } from '../imagePreprocessor';
import type { ModelFolder } from '../modelFolder';
import type { OrtSessions } from '../ortSessions';
import { placeGrid } from '../mediaPlaces';
import { linearPositions } from '../positionIds';
import { MediaKind, PromptProcessor } from '../promptProcessor';
import type { EncodedMedia, MediaLimits, PreparedPrompt, VisionLanguageModel } from './family';

/**
 * The bundled model (models/tiny-spatial-vlm): LLaVA layout with one fixed-size image of one
 * token per grid cell, a video encoder, and media readers (config.json). Its prompt processor
 * and preprocessor are ours, written for it and checked bit-exact against its PyTorch fixtures,
 * so its numbers do not move when other families arrive.
 */
export class TinySpatialVlm implements VisionLanguageModel {
  private readonly prompts: PromptProcessor;
  readonly unknownTokenId: number | undefined;

  constructor(
    readonly folder: ModelFolder,
    readonly session: OrtSessions,
  ) {
    this.prompts = PromptProcessor.fromFolder(folder);
    const tk = this.prompts.tokenizer;
    this.unknownTokenId = tk.token_to_id('[UNK]') ?? tk.token_to_id('<unk>') ?? undefined;
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

  async promptEmbeds(question: string, media: EncodedMedia): Promise<PreparedPrompt> {
    const prompt = this.prompts.encodeQuestion(question, media.kind);
    const grid = (this.folder.config.spatial_id_lens as { grid?: { rows: number; cols: number } } | undefined)?.grid;
    if (grid) placeGrid(prompt.tokens, grid.rows, grid.cols);
    return { prompt, embeds: await this.session.inputsEmbeds(prompt.ids, media.features), positions: linearPositions() };
  }

  checkQuestion(question: string, media: MediaKind): void {
    this.prompts.encodeQuestion(question, media);
  }

  encodeText(text: string): number[] {
    return this.prompts.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    return this.prompts.decode(ids);
  }

  mediaLimits(): MediaLimits {
    const p = this.folder.processor;
    const size = outputSize(this.folder.preprocessor);
    return { imageTokens: p.image_seq_length ?? null, videoTokens: p.video_seq_length ?? null, numFrames: p.num_frames ?? null, imageSize: { width: size.width, height: size.height } };
  }

  /** The canvas and object sizes it was trained on (scenes/vocabulary.ts), so its figures stay its own. */
  sceneCanvas(): SceneCanvas {
    return BUNDLED_CANVAS;
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}

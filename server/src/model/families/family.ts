import type { RgbImage } from '../../scenes/renderScene';
import type { SceneCanvas } from '../../scenes/sceneGeometry';
import type { ModelFolder } from '../modelFolder';
import type { MediaFeatures, OrtSessions } from '../ortSessions';
import type { PromptPositions } from '../positionIds';
import type { MediaKind, ProcessedPrompt } from '../promptProcessor';

/**
 * What run/ and analysis/ see of a loaded model, whatever its family: media encoded once and
 * reused, a question made into the prompt's tokens (with what each stands for), its embeddings
 * with the media merged in, and the position ids the decoder takes. Everything a family does
 * its own way (processor, chat template, placeholder expansion, vision encoder inputs, position
 * ids) sits behind this; the ONNX sessions (embeddings, decoder, KV cache) are shared.
 */

export interface EncodedMedia {
  kind: MediaKind;
  features: MediaFeatures;
  /** The family's own record of the media (e.g. the picture, which its processor reads with the text). */
  source?: { image: RgbImage };
}

export interface PreparedPrompt {
  prompt: ProcessedPrompt;
  /** inputs_embeds [seq * hidden], media features merged in. */
  embeds: Float32Array;
  positions: PromptPositions;
}

/** The media a model takes, as `info` reports it. */
export interface MediaLimits {
  /** Tokens per image when fixed; null when the processor counts them per image (native resolution, tiles). */
  imageTokens: number | null;
  videoTokens: number | null;
  numFrames: number | null;
  /** The encoder's input size when fixed; null when it follows the image. */
  imageSize: { width: number; height: number } | null;
}

export interface VisionLanguageModel {
  readonly folder: ModelFolder;
  readonly session: OrtSessions;
  encodeImage(image: RgbImage): Promise<EncodedMedia>;
  encodeClip(frames: readonly RgbImage[]): Promise<EncodedMedia>;
  /** The chat prompt for a question about the media, embedded with the media features merged in. */
  promptEmbeds(question: string, media: EncodedMedia): Promise<PreparedPrompt>;
  /** Refuses a question that cannot be asked (special tokens, too long) before any media is read. */
  checkQuestion(question: string, media: MediaKind): void;
  /** Token ids of plain text (no special tokens added), as it reads inside a prompt. */
  encodeText(text: string): number[];
  decode(ids: readonly number[]): string;
  /** The id the tokenizer gives unknown text, if it has one (byte-level tokenizers have none). */
  readonly unknownTokenId: number | undefined;
  mediaLimits(): MediaLimits;
  /** The picture size synthetic scenes are drawn at so that the processor reads them unresized (absent: mediaLimits().imageSize). */
  sceneCanvas?(): SceneCanvas;
  dispose(): Promise<void>;
}

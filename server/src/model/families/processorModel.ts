import * as ort from '../onnxRuntime';
import { badQuestion, badRequest } from '../../../../protocol/errors';
import type { RgbImage } from '../../scenes/renderScene';
import { ModelFolder, ModelFolderError } from '../modelFolder';
import type { OrtSessions } from '../ortSessions';
import { placeSquare } from '../mediaPlaces';
import type { PromptPositions } from '../positionIds';
import { MediaKind, PromptProcessor, PromptToken } from '../promptProcessor';
import type { EncodedMedia, MediaLimits, PreparedPrompt, VisionLanguageModel } from './family';
import { Processor, ProcessorOutputs, RawImage, Tensor, intValues, loadProcessor, rawImageOf } from './transformersJs';
import { usePilResampling } from '../../media/transformersResize';

/**
 * A real family, read through its transformers.js processor: the processor turns the chat
 * text and the picture into input ids (placeholders expanded its way: fixed counts, native
 * grids, tiles) and pixel values; we run the vision encoder, merge its features over the image
 * tokens, and feed the one instrumented decoder with the family's position ids. Our own loop
 * rather than transformers.js's generate: every decoder call must carry the intervention
 * deltas and return the captures, and the KV cache of a prompt's prefix is ours to reuse.
 */

/** A word every tokenizer keeps whole, written before a text to encode it as it reads mid-prompt. */
const ANCHOR = 'a';

/** What one family does its own way; one file per family fills it in. */
export interface FamilyProcessing {
  /** The text of the token that config.json's image token id names. */
  imageToken: string;
  /** Corrections to the loaded processor where transformers.js is not faithful to Hugging Face. */
  adjust?(processor: Processor, folder: ModelFolder): void;
  /** The processor on the rendered chat text and the picture: input_ids, pixel_values, ... */
  process(processor: Processor, text: string, image: RawImage): Promise<ProcessorOutputs>;
  /** The processor on the picture alone, for the vision encoder (default: its image processor). */
  processImage?(processor: Processor, image: RawImage): Promise<ProcessorOutputs>;
  /**
   * Vision encoder inputs fed from processor outputs of another name (Qwen2-VL: `grid_thw` <-
   * `image_grid_thw`); every other input is fed the output of its own name, as transformers.js does.
   */
  visionInputSources?: Record<string, string>;
  /** Position ids of the prompt (and what follows it). */
  positions(ids: readonly number[], outputs: ProcessorOutputs, folder: ModelFolder): PromptPositions;
  /** Where each image token sits in the picture (default: a square grid, as LLaVA and Gemma-3 lay them out). */
  placeMedia?(tokens: PromptToken[], outputs: ProcessorOutputs, folder: ModelFolder): void;
  /** The encoder's input size and tokens per image, when the family fixes them. */
  fixedImage?(folder: ModelFolder): { tokens: number; size: { width: number; height: number } } | null;
  /** The picture size the loaded processor keeps unresized, for synthetic scenes (default: fixedImage's size). */
  sceneCanvas?(processor: Processor, folder: ModelFolder): { width: number; height: number };
}

export function ortTensorOf(t: Tensor): ort.Tensor {
  return new ort.Tensor(t.type as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.dims);
}

/**
 * Where transformers.js's image processors are not Hugging Face's, for every family: absent
 * config keys default differently (Hugging Face resizes and normalises unless told not to;
 * transformers.js does neither when do_resize / do_normalize are missing, as in real Qwen2-VL
 * configs), and sharp resizes without PIL's antialiasing (media/transformersResize.ts).
 */
function makeFaithful(processor: Processor, folder: ModelFolder): void {
  const images = (processor as unknown as { image_processor?: Record<string, unknown> }).image_processor;
  if (!images) throw new ModelFolderError(`${folder.dir} has no image processor that transformers.js recognises: check "image_processor_type" in preprocessor_config.json.`);
  const cfg = folder.preprocessor as Record<string, unknown>;
  if (cfg.do_normalize === undefined) images.do_normalize = true;
  if (cfg.do_resize === undefined) images.do_resize = true;
  usePilResampling(processor);
}

export class ProcessorModel implements VisionLanguageModel {
  readonly unknownTokenId: number | undefined;
  private anchorIds: number[] | undefined;

  private constructor(
    readonly folder: ModelFolder,
    readonly session: OrtSessions,
    private readonly processor: Processor,
    private readonly prompts: PromptProcessor,
    private readonly spec: FamilyProcessing,
  ) {
    const tk = prompts.tokenizer;
    this.unknownTokenId = tk.token_to_id('<unk>') ?? tk.token_to_id('[UNK]') ?? undefined;
  }

  static async open(folder: ModelFolder, session: OrtSessions, spec: FamilyProcessing): Promise<ProcessorModel> {
    let processor: Processor;
    try {
      processor = await loadProcessor(folder.dir);
    } catch (e) {
      throw new ModelFolderError(`transformers.js could not load the processor of ${folder.dir} (${(e as Error).message}): check preprocessor_config.json, processor_config.json and tokenizer files, or re-export the model.`);
    }
    makeFaithful(processor, folder);
    spec.adjust?.(processor, folder);
    // Our prompt processor renders the chat template within a work budget and refuses special-token text in questions.
    const prompts = new PromptProcessor({
      tokenizer: folder.tokenizer,
      tokenizerConfig: folder.tokenizerConfig,
      imageTokenId: folder.config.image_token_index,
      imageToken: spec.imageToken,
      imageSeqLength: 0,
      maxPositions: folder.config.text_config.max_position_embeddings,
    });
    return new ProcessorModel(folder, session, processor, prompts, spec);
  }

  async encodeImage(image: RgbImage): Promise<EncodedMedia> {
    const raw = rawImageOf(image);
    const outputs = this.spec.processImage ? await this.spec.processImage(this.processor, raw) : ((await this.processor.image_processor!(raw)) as ProcessorOutputs);
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of this.session.visionInputNames) {
      const source = outputs[this.spec.visionInputSources?.[name] ?? name];
      if (!source) throw new ModelFolderError(`${this.folder.onnx.visionEncoder} takes "${name}", which the ${this.folder.config.model_type} processor does not give (it gives ${Object.keys(outputs).join(', ')}): re-export the vision encoder with the family's input names.`);
      feeds[name] = ortTensorOf(source);
    }
    const features = await this.session.runVision(feeds);
    return { kind: 'image', features: { image: features }, source: { image } };
  }

  async encodeClip(): Promise<EncodedMedia> {
    throw badRequest(`${this.folder.dir} (${this.folder.config.model_type}) is read here with images only: ask about an image, or a frame of the clip saved as an image.`);
  }

  async promptEmbeds(question: string, media: EncodedMedia): Promise<PreparedPrompt> {
    if (media.kind !== 'image' || !media.source) throw badRequest('This model takes one image per question.');
    const text = this.prompts.renderChat(question, 'image');
    const outputs = await this.spec.process(this.processor, text, rawImageOf(media.source.image));
    const ids = intValues(outputs.input_ids);
    const max = this.folder.config.text_config.max_position_embeddings;
    if (max !== undefined && ids.length >= max) {
      throw badQuestion(`The question makes a prompt of ${ids.length} tokens, but this model reads at most ${max} positions (max_position_embeddings) including its answer: shorten the question.`);
    }
    const imageId = this.folder.config.image_token_index;
    // Text tokens as they read (TransformerLens' to_str_tokens: " dog", not byte-level "Ġdog"); a
    // SentencePiece word start ("▁the") keeps its space, which decoding one token alone drops. Media tokens by name.
    const tokenText = (id: number) => {
      const raw = this.prompts.tokenizer.id_to_token(id) ?? '';
      if (id === imageId) return raw;
      const read = this.prompts.tokenizer.decode([id], { skip_special_tokens: false });
      return raw.startsWith('\u2581') && !read.startsWith(' ') ? ` ${read}` : read;
    };
    const tokens: PromptToken[] = ids.map((id) => ({ id, text: tokenText(id), kind: id === imageId ? 'image' : 'text' }));
    if (this.spec.placeMedia) this.spec.placeMedia(tokens, outputs, this.folder);
    else placeSquare(tokens);
    const embeds = await this.session.inputsEmbeds(ids, media.features);
    return { prompt: { text, ids, tokens }, embeds, positions: this.spec.positions(ids, outputs, this.folder) };
  }

  checkQuestion(question: string, media: MediaKind): void {
    if (media !== 'image') throw badRequest(`${this.folder.config.model_type} models are read here with images only.`);
    this.prompts.encodeQuestion(question, null);
  }

  /**
   * Text as it reads after other text: SentencePiece-style tokenizers (Llama, Gemma) prepend a
   * "▁" to any text they encode, so " left" alone becomes ["▁", "▁left"] while inside a prompt
   * it is ["▁left"]. Encoding it after an anchor word and dropping the anchor's tokens gives the
   * in-prompt ids for every tokenizer kind (byte-level ones are unchanged by this).
   */
  encodeText(text: string): number[] {
    const encode = (s: string) => this.prompts.tokenizer.encode(s, { add_special_tokens: false }).ids;
    const anchor = (this.anchorIds ??= encode(ANCHOR));
    const both = encode(ANCHOR + text);
    return anchor.every((id, i) => both[i] === id) ? both.slice(anchor.length) : encode(text);
  }

  decode(ids: readonly number[]): string {
    return this.prompts.decode(ids);
  }

  mediaLimits(): MediaLimits {
    const fixed = this.spec.fixedImage?.(this.folder) ?? null;
    return { imageTokens: fixed?.tokens ?? null, videoTokens: null, numFrames: null, imageSize: fixed?.size ?? null };
  }

  sceneCanvas(): { width: number; height: number } {
    const size = this.spec.sceneCanvas?.(this.processor, this.folder) ?? this.mediaLimits().imageSize;
    if (!size) throw badRequest(`${this.folder.dir} (${this.folder.config.model_type}) says no picture size that its processor keeps: synthetic scenes need one.`);
    return size;
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}

// Both packages ship a CommonJS build ("require" condition of their exports map), so plain
// imports work under our CommonJS output; no dynamic import() is needed.
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { badQuestion } from '../../../protocol/errors';
import type { MediaPlace } from '../../../protocol/requests';
import { TemplateBudgetError, renderBounded } from './chatTemplateCheck';
import { ModelFolder, ModelFolderError, TokenizerConfig } from './modelFolder';

/**
 * Turns a question into the model's input ids: chat template, tokenizer, then placeholder
 * expansion (one `<image>` becomes `image_seq_length` image tokens, one `<video>` becomes
 * `video_seq_length`), keeping per token its text and what it stands for. A question is text
 * only: one holding a special token's text (`<image>`, `<s>`, ...) is refused, since the
 * tokenizer would read it as that token (a media placeholder, a turn boundary).
 */

export type MediaKind = 'image' | 'video';
export type TokenKind = 'text' | MediaKind;

export interface PromptToken {
  id: number;
  text: string;
  kind: TokenKind;
  /** For media tokens: where in the picture or clip (set by the family, mediaPlaces.ts). */
  media?: MediaPlace;
}

export interface ProcessedPrompt {
  /** The chat template's output, before tokenisation. */
  text: string;
  ids: number[];
  tokens: PromptToken[];
}

export interface PromptSettings {
  tokenizer: object;
  tokenizerConfig: TokenizerConfig;
  imageTokenId: number;
  /** The image placeholder's text (default `<image>`; Qwen2-VL: `<|image_pad|>`, Gemma-3: `<start_of_image>`). */
  imageToken?: string;
  videoTokenId?: number;
  imageSeqLength: number;
  videoSeqLength?: number;
  /** The decoder's positions (max_position_embeddings): longer prompts are refused. */
  maxPositions?: number;
}

interface AddedToken {
  content?: unknown;
  special?: unknown;
}

/** The texts the tokenizer reads as special tokens, and the media placeholders in any case. */
function specialTexts(tokenizer: object): string[] {
  const added = (tokenizer as { added_tokens?: unknown }).added_tokens;
  const special = Array.isArray(added) ? (added as AddedToken[]).filter((t) => t?.special === true && typeof t.content === 'string' && t.content).map((t) => t.content as string) : [];
  return [...new Set(['<image>', '<video>', ...special])];
}

function tokenContent(t: string | { content: string } | undefined): string | undefined {
  return typeof t === 'string' ? t : t?.content;
}

export class PromptProcessor {
  readonly tokenizer: Tokenizer;
  private readonly template: Template | null;
  private readonly specialTokens: { bos_token?: string; eos_token?: string };
  private readonly reservedTexts: string[];

  constructor(private readonly settings: PromptSettings) {
    this.tokenizer = new Tokenizer(settings.tokenizer, settings.tokenizerConfig);
    const source = settings.tokenizerConfig.chat_template;
    this.template = typeof source === 'string' ? new Template(source) : null;
    this.reservedTexts = specialTexts(settings.tokenizer);
    this.specialTokens = { bos_token: tokenContent(settings.tokenizerConfig.bos_token), eos_token: tokenContent(settings.tokenizerConfig.eos_token) };
    this.checkMediaToken(settings.imageToken ?? '<image>', settings.imageTokenId, 'image_token_index');
    if (settings.videoTokenId !== undefined) this.checkMediaToken('<video>', settings.videoTokenId, 'video_token_index');
  }

  static fromFolder(folder: ModelFolder): PromptProcessor {
    return new PromptProcessor({
      tokenizer: folder.tokenizer,
      tokenizerConfig: folder.tokenizerConfig,
      imageTokenId: folder.config.image_token_index,
      videoTokenId: folder.config.video_token_index,
      imageSeqLength: folder.processor.image_seq_length ?? 0,
      videoSeqLength: folder.processor.video_seq_length,
      maxPositions: folder.config.text_config.max_position_embeddings,
    });
  }

  private checkMediaToken(token: string, expected: number, key: string): void {
    const id = this.tokenizer.token_to_id(token);
    if (id !== expected) {
      throw new ModelFolderError(`tokenizer.json maps ${token} to ${id ?? 'nothing'} but config.json "${key}" is ${expected}: re-export the tokenizer and config together.`);
    }
  }

  /** Refuses a question holding a special token's text, which would become that token (`<image>`: a media placeholder). */
  checkQuestion(question: string): void {
    const found = this.reservedTexts.find((t) => question.includes(t));
    if (found === undefined) return;
    const role = found === '<image>' || found === '<video>' ? `this model's ${found.slice(1, -1)} placeholder` : 'a special token of this model';
    throw badQuestion(`The question contains "${found}", ${role}: remove it from the question (the image or clip is given as media, not typed into the question).`);
  }

  /** The chat template applied to one user turn holding one image or video and the question. */
  renderChat(question: string, media: MediaKind | null): string {
    this.checkQuestion(question);
    if (!this.template) throw new ModelFolderError('tokenizer_config.json has no "chat_template": add the template the model was trained with.');
    const content: Array<Record<string, string>> = media ? [{ type: media }, { type: 'text', text: question }] : [{ type: 'text', text: question }];
    // Bounded as at load (modelFolder.ts): a template's work may grow with the question's text.
    try {
      return renderBounded(this.template, { messages: [{ role: 'user', content }], add_generation_prompt: true, ...this.specialTokens });
    } catch (e) {
      if (!(e instanceof TemplateBudgetError)) throw e;
      throw new ModelFolderError(`tokenizer_config.json "chat_template" is too costly for this question: ${e.message}. Fix the template (a chat template renders a few messages in well under a second).`);
    }
  }

  /** Tokenises text (special tokens such as `<s>` are written by the template, not added) and expands placeholders. */
  encode(text: string): ProcessedPrompt {
    const raw = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    return { text, ...this.expand(raw) };
  }

  /** Renders the chat prompt for a question and encodes it. */
  encodeQuestion(question: string, media: MediaKind | null): ProcessedPrompt {
    const prompt = this.encode(this.renderChat(question, media));
    const max = this.settings.maxPositions;
    if (max !== undefined && prompt.ids.length >= max) {
      throw badQuestion(`The question makes a prompt of ${prompt.ids.length} tokens, but this model reads at most ${max} positions (max_position_embeddings) including its answer: shorten the question.`);
    }
    return prompt;
  }

  private expand(raw: readonly number[]): { ids: number[]; tokens: PromptToken[] } {
    const { imageTokenId, videoTokenId, imageSeqLength, videoSeqLength } = this.settings;
    const tokens: PromptToken[] = [];
    for (const id of raw) {
      const text = this.tokenizer.id_to_token(id) ?? '';
      if (id === imageTokenId) {
        for (let k = 0; k < imageSeqLength; k++) tokens.push({ id, text, kind: 'image' });
      } else if (videoTokenId !== undefined && id === videoTokenId) {
        if (videoSeqLength === undefined) throw new ModelFolderError('The prompt has a <video> token but processor_config.json gives no "video_seq_length".');
        for (let k = 0; k < videoSeqLength; k++) tokens.push({ id, text, kind: 'video' });
      } else {
        tokens.push({ id, text, kind: 'text' });
      }
    }
    return { ids: tokens.map((t) => t.id), tokens };
  }

  decode(ids: readonly number[], skipSpecialTokens = true): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: skipSpecialTokens });
  }
}

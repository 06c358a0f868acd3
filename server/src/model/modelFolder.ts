import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from '@huggingface/jinja';
import { FILE_KINDS, FileKind, FileReadError, checkFolder, checkRegularFile, readRegularFile } from '../files/regularFile';
import { TemplateBudgetError, renderBounded } from './chatTemplateCheck';
import { MODEL_DTYPES, ModelDtype } from '../../../protocol/requests';
import { FamilyName, familyOfModelType, unsupportedFamilyMessage } from './families/familyNames';

/**
 * A model folder in the transformers.js / onnx-community layout: JSON configs at the top,
 * the graphs in `onnx/`. Opening one reads and checks every file the runtime needs, so a
 * broken folder fails here, with the file named, and not in the middle of an inference: every
 * file is a regular file of a sane size (files/regularFile.ts), every size in the configs is
 * within a sane range, and the chat template renders once within a work budget.
 */

export interface TextConfig {
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads?: number;
  head_dim?: number;
  vocab_size: number;
  bos_token_id?: number;
  eos_token_id?: number | number[];
  pad_token_id?: number;
  max_position_embeddings?: number;
  [key: string]: unknown;
}

export interface VisionConfig {
  image_size?: number;
  patch_size?: number;
  [key: string]: unknown;
}

export interface VideoConfig {
  num_frames: number;
  tokens_per_frame: number;
  encoder?: string;
  [key: string]: unknown;
}

export interface VlmConfig {
  model_type: string;
  image_token_index: number;
  video_token_index?: number;
  image_seq_length?: number;
  text_config: TextConfig;
  vision_config?: VisionConfig;
  video_config?: VideoConfig;
  eos_token_id?: number | number[];
  [key: string]: unknown;
}

export type ImageSize = { height: number; width: number } | { shortest_edge: number };

export interface PreprocessorConfig {
  size: ImageSize;
  do_resize?: boolean;
  /** PIL resampling code: 0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming. */
  resample?: number;
  do_center_crop?: boolean;
  crop_size?: { height: number; width: number };
  do_rescale: boolean;
  rescale_factor: number;
  do_normalize: boolean;
  image_mean: number[];
  image_std: number[];
  [key: string]: unknown;
}

export interface ProcessorConfig {
  /** Tokens per image: fixed for the bundled model; real families' processors count them per image. */
  image_seq_length?: number;
  video_seq_length?: number;
  num_frames?: number;
  [key: string]: unknown;
}

export interface GenerationConfig {
  bos_token_id?: number;
  eos_token_id?: number | number[];
  pad_token_id?: number;
  max_new_tokens?: number;
  [key: string]: unknown;
}

export interface TokenizerConfig {
  chat_template?: string;
  bos_token?: string | { content: string };
  eos_token?: string | { content: string };
  [key: string]: unknown;
}

/** Which copy of each graph to load (the dtype): `onnx/<name>.onnx`, `<name>_fp16.onnx`, ... */
export type OnnxVariant = ModelDtype;
export const ONNX_VARIANTS: readonly OnnxVariant[] = MODEL_DTYPES;

export interface OnnxFiles {
  visionEncoder: string;
  /** Absent for a model without video input (no `video_config`). */
  videoEncoder?: string;
  embedTokens: string;
  decoder: string;
}

export interface ModelFolder {
  dir: string;
  /** Which family's code reads this folder (families/familyNames.ts). */
  family: FamilyName;
  config: VlmConfig;
  preprocessor: PreprocessorConfig;
  processor: ProcessorConfig;
  generation: GenerationConfig;
  tokenizer: object;
  tokenizerConfig: TokenizerConfig;
  variant: OnnxVariant;
  onnx: OnnxFiles;
}

/** A folder that cannot be loaded: the message names the file, the problem and the fix. */
export class ModelFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFolderError';
  }
}

/** Tokenizer files of large-vocabulary models are far larger than any other config. */
function jsonKind(name: string): FileKind {
  return name.startsWith('tokenizer') ? FILE_KINDS.tokenizer : FILE_KINDS.jsonConfig;
}

function readJson(dir: string, name: string, required: true): unknown;
function readJson(dir: string, name: string, required: false): unknown | undefined;
function readJson(dir: string, name: string, required: boolean): unknown | undefined {
  const file = path.join(dir, name);
  let text: string;
  try {
    text = readRegularFile(file, jsonKind(name)).toString('utf8');
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    if (e.problem !== 'notFound') throw new ModelFolderError(`${e.message} (${name} of the model folder)`);
    if (!required) return undefined;
    throw new ModelFolderError(`${dir} has no ${name}: export the model with its configs (transformers.js / onnx-community layout) or point --model at the folder that holds ${name}.`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelFolderError(`${file} is not valid JSON (${(e as Error).message}): re-export the model or fix the file.`);
  }
}

/** An optional text file of the folder, read as a regular file of config size. */
function readTextFile(dir: string, name: string): string | undefined {
  try {
    return readRegularFile(path.join(dir, name), FILE_KINDS.jsonConfig).toString('utf8');
  } catch (e) {
    if (e instanceof FileReadError && e.problem === 'notFound') return undefined;
    if (e instanceof FileReadError) throw new ModelFolderError(`${e.message} (${name} of the model folder)`);
    throw e;
  }
}

/**
 * A whole number within [min, max]: sizes past these ranges are typos or hostile files, and
 * would otherwise fail later with NaN answers or allocations that abort the process.
 */
function requireInt(obj: Record<string, unknown>, key: string, where: string, min: number, max: number, optional = false): number | undefined {
  const v = obj[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ModelFolderError(`${where} "${key}" is ${JSON.stringify(v)}; it must be a whole number from ${min} to ${max}: fix the value or re-export the model.`);
  }
  return v;
}

/** The ranges a config's sizes must fall in (generous: several times today's largest models). */
export const CONFIG_RANGES = {
  hidden_size: [1, 65_536],
  num_hidden_layers: [1, 1_024],
  num_attention_heads: [1, 1_024],
  head_dim: [1, 4_096],
  vocab_size: [1, 10_000_000],
  max_position_embeddings: [1, 10_000_000],
  /** Media tokens per image or video, and pixels per side of the encoder's input. */
  media_tokens: [1, 65_536],
  num_frames: [1, 1_024],
  image_side: [1, 4_096],
} as const;

function asObject(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ModelFolderError(`${where} must be a JSON object.`);
  return v as Record<string, unknown>;
}

export function validateConfig(raw: unknown, file = 'config.json'): VlmConfig {
  const cfg = asObject(raw, file);
  const type = cfg.model_type;
  if (typeof type !== 'string') throw new ModelFolderError(`${file} has no "model_type": add the model family (for example "llava").`);
  if (!familyOfModelType(type, false)) throw new ModelFolderError(unsupportedFamilyMessage(type));
  // Qwen2-VL configs written by older transformers keep the language model's sizes at the top level.
  if (cfg.text_config === undefined && typeof cfg.hidden_size === 'number') cfg.text_config = { ...cfg, vision_config: undefined };
  // The image placeholder's id: image_token_index (LLaVA, Gemma-3) or image_token_id (Qwen2-VL, Idefics3).
  if (cfg.image_token_index === undefined && cfg.image_token_id !== undefined) cfg.image_token_index = cfg.image_token_id;
  const text = asObject(cfg.text_config, `${file} "text_config"`);
  const where = `${file} "text_config"`;
  const r = CONFIG_RANGES;
  const hidden = requireInt(text, 'hidden_size', where, ...r.hidden_size)!;
  requireInt(text, 'num_hidden_layers', where, ...r.num_hidden_layers);
  const heads = requireInt(text, 'num_attention_heads', where, ...r.num_attention_heads)!;
  const vocab = requireInt(text, 'vocab_size', where, ...r.vocab_size)!;
  const kvHeads = requireInt(text, 'num_key_value_heads', where, 1, heads, true);
  if (kvHeads !== undefined && heads % kvHeads !== 0) {
    throw new ModelFolderError(`${where} "num_key_value_heads" is ${kvHeads}, which does not divide num_attention_heads ${heads}: fix the value or re-export the model.`);
  }
  const headDim = requireInt(text, 'head_dim', where, ...r.head_dim, true);
  if (headDim === undefined && hidden % heads !== 0) {
    throw new ModelFolderError(`${where} has hidden_size ${hidden}, not a multiple of num_attention_heads ${heads}, and no "head_dim": add head_dim or fix the sizes.`);
  }
  requireInt(text, 'max_position_embeddings', where, ...r.max_position_embeddings, true);
  requireInt(cfg, 'image_token_index', file, 0, vocab - 1);
  requireInt(cfg, 'image_seq_length', file, ...r.media_tokens, true);
  if (cfg.video_config !== undefined) {
    const video = asObject(cfg.video_config, `${file} "video_config"`);
    requireInt(video, 'num_frames', `${file} "video_config"`, ...r.num_frames);
    requireInt(video, 'tokens_per_frame', `${file} "video_config"`, ...r.media_tokens);
    requireInt(cfg, 'video_token_index', file, 0, vocab - 1);
  }
  return cfg as VlmConfig;
}

export function validatePreprocessor(raw: unknown, file = 'preprocessor_config.json'): PreprocessorConfig {
  const p = asObject(raw, file);
  const size = asObject(p.size, `${file} "size"`);
  const hasHw = typeof size.height === 'number' && typeof size.width === 'number';
  if (!hasHw && typeof size.shortest_edge !== 'number') throw new ModelFolderError(`${file} "size" needs {height, width} or {shortest_edge} (got ${JSON.stringify(size)}).`);
  for (const key of hasHw ? ['height', 'width'] : ['shortest_edge']) requireInt(size, key, `${file} "size"`, ...CONFIG_RANGES.image_side);
  if (p.crop_size !== undefined) {
    const crop = asObject(p.crop_size, `${file} "crop_size"`);
    for (const key of ['height', 'width']) requireInt(crop, key, `${file} "crop_size"`, ...CONFIG_RANGES.image_side);
  }
  if (p.rescale_factor !== undefined && (typeof p.rescale_factor !== 'number' || !Number.isFinite(p.rescale_factor) || p.rescale_factor <= 0)) {
    throw new ModelFolderError(`${file} "rescale_factor" is ${JSON.stringify(p.rescale_factor)}; it must be a positive number (1/255 for 8-bit images).`);
  }
  const out: PreprocessorConfig = {
    ...p,
    size: size as ImageSize,
    do_rescale: p.do_rescale !== false,
    rescale_factor: typeof p.rescale_factor === 'number' ? p.rescale_factor : 1 / 255,
    do_normalize: p.do_normalize !== false,
    image_mean: p.image_mean as number[],
    image_std: p.image_std as number[],
  };
  if (out.do_normalize) {
    for (const key of ['image_mean', 'image_std'] as const) {
      const v = out[key];
      if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new ModelFolderError(`${file} "${key}" must list 3 numbers (R, G, B) when do_normalize is on.`);
    }
    if (out.image_std.some((s) => s === 0)) throw new ModelFolderError(`${file} "image_std" has a zero: normalisation would divide by zero.`);
  }
  return out;
}

/** The external-data files beside a graph: `<file>_data`, `<file>.data`, `<file>_data_1`, ... */
export function externalDataFiles(file: string): string[] {
  const base = path.basename(file);
  return fs
    .readdirSync(path.dirname(file))
    .filter((f) => f !== base && f.startsWith(base) && /[._]data(_\d+)?$/.test(f))
    .map((f) => path.join(path.dirname(file), f));
}

/** `onnx/<name>.onnx` for fp32, `onnx/<name>_<variant>.onnx` otherwise. */
export function onnxFileName(name: string, variant: OnnxVariant): string {
  return variant === 'fp32' ? `${name}.onnx` : `${name}_${variant}.onnx`;
}

function pickOnnx(dir: string, name: string, variant: OnnxVariant): string {
  const file = path.join(dir, 'onnx', onnxFileName(name, variant));
  if (!fs.existsSync(file)) {
    const there = fs.existsSync(path.join(dir, 'onnx')) ? fs.readdirSync(path.join(dir, 'onnx')).filter((f) => f.startsWith(name)) : [];
    const hint = there.length ? ` The folder has ${there.join(', ')}: choose that variant.` : ' Re-run the exporter for this graph.';
    throw new ModelFolderError(`${dir} is missing onnx/${onnxFileName(name, variant)} (the ${variant} ${name} graph).${hint}`);
  }
  // onnxruntime opens these itself: a FIFO or a device among them would hang or flood it.
  const externalData = externalDataFiles(file).map((f) => path.basename(f));
  try {
    checkRegularFile(file, FILE_KINDS.onnx);
    for (const f of externalData) checkRegularFile(path.join(path.dirname(file), f), FILE_KINDS.onnxData);
  } catch (e) {
    if (e instanceof FileReadError) throw new ModelFolderError(`${e.message} (the ${variant} ${name} graph of ${dir})`);
    throw e;
  }
  return file;
}

/** A user turn about one image (or clip) and a question, as the prompt processor renders it. */
function sampleMessages(media: 'image' | 'video') {
  return [{ role: 'user', content: [{ type: media }, { type: 'text', text: 'Is the red circle to the left or right of the blue square?' }] }];
}

function tokenText(t: unknown): string | undefined {
  return typeof t === 'string' ? t : typeof t === 'object' && t !== null && typeof (t as { content?: unknown }).content === 'string' ? (t as { content: string }).content : undefined;
}

/**
 * Parses the chat template and renders it once per media kind within a work budget, so a
 * template that does not parse, fails, or loops for ever is refused at load.
 */
export function checkChatTemplate(tokenizerConfig: TokenizerConfig, media: Array<'image' | 'video'>, file = 'tokenizer_config.json'): void {
  const source = tokenizerConfig.chat_template;
  if (source === undefined) return; // asked for (with its own message) only when a prompt is built
  if (typeof source !== 'string') throw new ModelFolderError(`${file} "chat_template" is a ${Array.isArray(source) ? 'list' : typeof source}; this runtime takes one template string: keep the default template only.`);
  let template: Template;
  try {
    template = new Template(source);
  } catch (e) {
    throw new ModelFolderError(`${file} "chat_template" does not parse (${(e as Error).message}): fix the template or re-export the tokenizer config.`);
  }
  const specials = { bos_token: tokenText(tokenizerConfig.bos_token), eos_token: tokenText(tokenizerConfig.eos_token) };
  for (const kind of media) {
    try {
      renderBounded(template, { messages: sampleMessages(kind), add_generation_prompt: true, ...specials });
    } catch (e) {
      const why = e instanceof TemplateBudgetError ? `is too costly: ${e.message}` : `fails on a user turn with an ${kind} and a question (${(e as Error).message})`;
      throw new ModelFolderError(`${file} "chat_template" ${why}. Fix the template (a chat template renders a few messages in well under a second).`);
    }
  }
}

/** The model folder itself, or its onnx/ folder: a folder (not a file, a FIFO or nothing). */
function checkModelSubfolder(dir: string, folder: string): void {
  try {
    checkFolder(folder, folder === dir ? 'model folder (config.json, onnx/...)' : "folder of the model's ONNX graphs");
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    throw new ModelFolderError(folder === dir ? `${dir} is not a folder: point --model at a model folder (config.json, onnx/...). (${e.message})` : `${dir} has no onnx/ folder: export the graphs into onnx/ (${e.message}).`);
  }
}

/**
 * The bundled model's fixed media sizes (its processor expands one placeholder into a fixed
 * number of tokens); real families' processors count tokens per image, so they need none of this.
 */
function fixedMediaProcessor(config: VlmConfig, processorRaw: Record<string, unknown>): ProcessorConfig {
  const imageSeqLength = processorRaw.image_seq_length ?? config.image_seq_length;
  if (typeof imageSeqLength !== 'number') throw new ModelFolderError('Neither processor_config.json nor config.json gives "image_seq_length": add it (the number of tokens per image).');
  requireInt({ image_seq_length: imageSeqLength }, 'image_seq_length', processorRaw.image_seq_length !== undefined ? 'processor_config.json' : 'config.json', ...CONFIG_RANGES.media_tokens);
  const processor: ProcessorConfig = { ...processorRaw, image_seq_length: imageSeqLength };
  if (config.video_config) {
    processor.num_frames ??= config.video_config.num_frames;
    requireInt(processor, 'num_frames', 'processor_config.json', ...CONFIG_RANGES.num_frames);
    processor.video_seq_length ??= config.video_config.num_frames * config.video_config.tokens_per_frame;
    if (processor.video_seq_length !== processor.num_frames! * config.video_config.tokens_per_frame) {
      throw new ModelFolderError(`processor_config.json "video_seq_length" is ${processor.video_seq_length} but num_frames x tokens_per_frame is ${processor.num_frames} x ${config.video_config.tokens_per_frame}: re-export so they agree.`);
    }
  }
  const maxPositions = config.text_config.max_position_embeddings;
  const mediaTokens = Math.max(imageSeqLength as number, processor.video_seq_length ?? 0);
  if (maxPositions !== undefined && mediaTokens >= maxPositions) {
    throw new ModelFolderError(`The model's media take ${mediaTokens} tokens but config.json "text_config" "max_position_embeddings" is ${maxPositions}, leaving no room for a question: fix image_seq_length / video_seq_length or max_position_embeddings.`);
  }
  return processor;
}

/** The dtypes whose three graphs are all in onnx/ (what `info` lists and `--dtype` may pick). */
export function availableVariants(dir: string): OnnxVariant[] {
  const onnxDir = path.join(dir, 'onnx');
  let names: string[];
  try {
    names = fs.readdirSync(onnxDir);
  } catch {
    return [];
  }
  return ONNX_VARIANTS.filter((v) => ['vision_encoder', 'embed_tokens', 'decoder_model_merged'].every((g) => names.includes(onnxFileName(g, v))));
}

/** Opens and checks a model folder. Throws a ModelFolderError naming the first problem. */
export function openModelFolder(dir: string, opts: { variant?: OnnxVariant } = {}): ModelFolder {
  const variant = opts.variant ?? 'fp32';
  if (!ONNX_VARIANTS.includes(variant)) throw new ModelFolderError(`Unknown dtype "${variant}": use one of ${ONNX_VARIANTS.join(', ')}.`);
  checkModelSubfolder(dir, dir);
  const config = validateConfig(readJson(dir, 'config.json', true));
  const family = familyOfModelType(config.model_type, config.spatial_id_lens !== undefined)!;
  const fixedMedia = family === 'tiny-spatial-vlm';
  const preprocessorRaw = readJson(dir, 'preprocessor_config.json', true);
  // Real families' image processors are transformers.js's, which read their own keys (min_pixels, longest_edge, ...).
  const preprocessor = fixedMedia ? validatePreprocessor(preprocessorRaw) : (asObject(preprocessorRaw, 'preprocessor_config.json') as PreprocessorConfig);
  const processorRaw = asObject(readJson(dir, 'processor_config.json', false) ?? {}, 'processor_config.json');
  const processor = fixedMedia ? fixedMediaProcessor(config, processorRaw) : (processorRaw as ProcessorConfig);
  const tokenizer = asObject(readJson(dir, 'tokenizer.json', true), 'tokenizer.json');
  const tokenizerConfig = asObject(readJson(dir, 'tokenizer_config.json', false) ?? {}, 'tokenizer_config.json') as TokenizerConfig;
  const generation = asObject(readJson(dir, 'generation_config.json', false) ?? {}, 'generation_config.json') as GenerationConfig;
  // transformers.js reads the template from chat_template.jinja / chat_template.json when tokenizer_config.json has none
  if (tokenizerConfig.chat_template === undefined) {
    const jinja = readTextFile(dir, 'chat_template.jinja');
    const json = jinja === undefined ? (readJson(dir, 'chat_template.json', false) as { chat_template?: unknown } | undefined) : undefined;
    const template = jinja ?? json?.chat_template;
    if (typeof template === 'string') tokenizerConfig.chat_template = template;
  }
  checkChatTemplate(tokenizerConfig, config.video_config ? ['image', 'video'] : ['image']);
  checkModelSubfolder(dir, path.join(dir, 'onnx'));
  const onnx: OnnxFiles = {
    visionEncoder: pickOnnx(dir, 'vision_encoder', variant),
    videoEncoder: config.video_config ? pickOnnx(dir, 'video_encoder', variant) : undefined,
    embedTokens: pickOnnx(dir, 'embed_tokens', variant),
    decoder: pickOnnx(dir, 'decoder_model_merged', variant),
  };
  return { dir, family, config, preprocessor, processor, generation, tokenizer, tokenizerConfig, variant, onnx };
}

/** The end-of-sequence ids: generation_config.json first, then config.json. */
export function eosTokenIds(folder: Pick<ModelFolder, 'config' | 'generation'>): number[] {
  const eos = folder.generation.eos_token_id ?? folder.config.eos_token_id ?? folder.config.text_config.eos_token_id;
  if (eos === undefined) return [];
  return Array.isArray(eos) ? eos : [eos];
}

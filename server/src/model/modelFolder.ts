import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A model folder in the transformers.js / onnx-community layout: JSON configs at the top,
 * the graphs in `onnx/`. Opening one reads and checks every file the runtime needs, so a
 * broken folder fails here, with the file named, and not in the middle of an inference.
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
  image_seq_length: number;
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

/** Which copy of each graph to load: `onnx/<name>.onnx`, `<name>_fp16.onnx`, ... */
export type OnnxVariant = 'fp32' | 'fp16' | 'quantized' | 'q4';
export const ONNX_VARIANTS: readonly OnnxVariant[] = ['fp32', 'fp16', 'quantized', 'q4'];

export interface OnnxFiles {
  visionEncoder: string;
  /** Absent for a model without video input (no `video_config`). */
  videoEncoder?: string;
  embedTokens: string;
  decoder: string;
}

export interface ModelFolder {
  dir: string;
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

/** LLaVA-style models: one token per image feature, 1-D positions, one fixed-size image. */
export const SUPPORTED_MODEL_TYPES: readonly string[] = ['llava'];

const UNSUPPORTED_BECAUSE: Record<string, string> = {
  qwen2_vl: 'its decoder uses 3-D (M-RoPE) position ids over time, height and width, and this runtime feeds 1-D position_ids',
  qwen2_5_vl: 'its decoder uses 3-D (M-RoPE) position ids over time, height and width, and this runtime feeds 1-D position_ids',
  idefics3: 'its processor splits each image into a variable number of tiles with row/column marker tokens, and this runtime expands one fixed-size image',
  smolvlm: 'its processor (Idefics3 style) splits each image into a variable number of tiles with row/column marker tokens, and this runtime expands one fixed-size image',
  llava_next: 'its processor picks an any-resolution tile grid per image, so the image token count varies, and this runtime expands a fixed image_seq_length',
  paligemma: 'its decoder uses a bidirectional prefix mask over image and prompt tokens, and this runtime builds a causal mask only',
};

function readJson(dir: string, name: string, required: true): unknown;
function readJson(dir: string, name: string, required: false): unknown | undefined;
function readJson(dir: string, name: string, required: boolean): unknown | undefined {
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) {
    if (!required) return undefined;
    throw new ModelFolderError(`${dir} has no ${name}: export the model with its configs (transformers.js / onnx-community layout) or point --model at the folder that holds ${name}.`);
  }
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ModelFolderError(`${file} is not valid JSON (${(e as Error).message}): re-export the model or fix the file.`);
  }
}

function requireNumber(obj: Record<string, unknown>, key: string, where: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ModelFolderError(`${where} needs a number "${key}" (got ${JSON.stringify(v)}).`);
  return v;
}

function asObject(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ModelFolderError(`${where} must be a JSON object.`);
  return v as Record<string, unknown>;
}

export function validateConfig(raw: unknown, file = 'config.json'): VlmConfig {
  const cfg = asObject(raw, file);
  const type = cfg.model_type;
  if (typeof type !== 'string') throw new ModelFolderError(`${file} has no "model_type": add the model family (for example "llava").`);
  if (type in UNSUPPORTED_BECAUSE) throw new ModelFolderError(`Model type ${type} is not supported yet because ${UNSUPPORTED_BECAUSE[type]}.`);
  if (!SUPPORTED_MODEL_TYPES.includes(type)) {
    throw new ModelFolderError(`Model type ${type} is not supported yet because this runtime only knows LLaVA-style models (model_type ${SUPPORTED_MODEL_TYPES.join(', ')}): one fixed-size image, 1-D positions, 4 graphs in onnx/.`);
  }
  requireNumber(cfg, 'image_token_index', file);
  const text = asObject(cfg.text_config, `${file} "text_config"`);
  for (const key of ['hidden_size', 'num_hidden_layers', 'num_attention_heads', 'vocab_size']) requireNumber(text, key, `${file} "text_config"`);
  if (cfg.video_config !== undefined) {
    const video = asObject(cfg.video_config, `${file} "video_config"`);
    requireNumber(video, 'num_frames', `${file} "video_config"`);
    requireNumber(video, 'tokens_per_frame', `${file} "video_config"`);
    requireNumber(cfg, 'video_token_index', file);
  }
  return cfg as VlmConfig;
}

export function validatePreprocessor(raw: unknown, file = 'preprocessor_config.json'): PreprocessorConfig {
  const p = asObject(raw, file);
  const size = asObject(p.size, `${file} "size"`);
  const hasHw = typeof size.height === 'number' && typeof size.width === 'number';
  if (!hasHw && typeof size.shortest_edge !== 'number') throw new ModelFolderError(`${file} "size" needs {height, width} or {shortest_edge} (got ${JSON.stringify(size)}).`);
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
      if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number')) throw new ModelFolderError(`${file} "${key}" must list 3 numbers (R, G, B) when do_normalize is on.`);
    }
    if (out.image_std.some((s) => s === 0)) throw new ModelFolderError(`${file} "image_std" has a zero: normalisation would divide by zero.`);
  }
  return out;
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
  return file;
}

/** Opens and checks a model folder. Throws a ModelFolderError naming the first problem. */
export function openModelFolder(dir: string, opts: { variant?: OnnxVariant } = {}): ModelFolder {
  const variant = opts.variant ?? 'fp32';
  if (!ONNX_VARIANTS.includes(variant)) throw new ModelFolderError(`Unknown ONNX variant "${variant}": use one of ${ONNX_VARIANTS.join(', ')}.`);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new ModelFolderError(`${dir} is not a folder: point --model at a model folder (config.json, onnx/...).`);
  const config = validateConfig(readJson(dir, 'config.json', true));
  const preprocessor = validatePreprocessor(readJson(dir, 'preprocessor_config.json', true));
  const processorRaw = asObject(readJson(dir, 'processor_config.json', false) ?? {}, 'processor_config.json');
  const imageSeqLength = processorRaw.image_seq_length ?? config.image_seq_length;
  if (typeof imageSeqLength !== 'number') throw new ModelFolderError('Neither processor_config.json nor config.json gives "image_seq_length": add it (the number of tokens per image).');
  const processor: ProcessorConfig = { ...processorRaw, image_seq_length: imageSeqLength };
  if (config.video_config) {
    processor.num_frames ??= config.video_config.num_frames;
    processor.video_seq_length ??= config.video_config.num_frames * config.video_config.tokens_per_frame;
    if (processor.video_seq_length !== processor.num_frames * config.video_config.tokens_per_frame) {
      throw new ModelFolderError(`processor_config.json "video_seq_length" is ${processor.video_seq_length} but num_frames x tokens_per_frame is ${processor.num_frames} x ${config.video_config.tokens_per_frame}: re-export so they agree.`);
    }
  }
  const tokenizer = asObject(readJson(dir, 'tokenizer.json', true), 'tokenizer.json');
  const tokenizerConfig = asObject(readJson(dir, 'tokenizer_config.json', false) ?? {}, 'tokenizer_config.json') as TokenizerConfig;
  const generation = asObject(readJson(dir, 'generation_config.json', false) ?? {}, 'generation_config.json') as GenerationConfig;
  const onnx: OnnxFiles = {
    visionEncoder: pickOnnx(dir, 'vision_encoder', variant),
    videoEncoder: config.video_config ? pickOnnx(dir, 'video_encoder', variant) : undefined,
    embedTokens: pickOnnx(dir, 'embed_tokens', variant),
    decoder: pickOnnx(dir, 'decoder_model_merged', variant),
  };
  return { dir, config, preprocessor, processor, generation, tokenizer, tokenizerConfig, variant, onnx };
}

/** The end-of-sequence ids: generation_config.json first, then config.json. */
export function eosTokenIds(folder: Pick<ModelFolder, 'config' | 'generation'>): number[] {
  const eos = folder.generation.eos_token_id ?? folder.config.eos_token_id ?? folder.config.text_config.eos_token_id;
  if (eos === undefined) return [];
  return Array.isArray(eos) ? eos : [eos];
}

/**
 * Which `config.json` "model_type" values this runtime loads, and why the others are refused.
 * A table with no imports, so the folder reader can gate on it before reading any graph; the
 * families themselves (one file each) are registered in index.ts.
 */

export type FamilyName = 'tiny-spatial-vlm' | 'llava' | 'qwen2_vl' | 'qwen2_5_vl' | 'gemma3' | 'idefics3';

/** model_type -> family. The bundled model is model_type llava with a `spatial_id_lens` block. */
const FAMILY_OF_MODEL_TYPE: Record<string, FamilyName> = {
  llava: 'llava',
  qwen2_vl: 'qwen2_vl',
  qwen2_5_vl: 'qwen2_5_vl',
  gemma3: 'gemma3',
  idefics3: 'idefics3',
  smolvlm: 'idefics3', // SmolVLM2: the Idefics3 processor and layout under its own model_type
};

export const SUPPORTED_MODEL_TYPES: readonly string[] = Object.keys(FAMILY_OF_MODEL_TYPE);

/** Families seen in the wild that cannot be inspected here, each with the reason. */
const UNSUPPORTED_BECAUSE: Record<string, string> = {
  mllama: 'its images enter the language model through cross-attention layers, never as tokens of the residual stream, so there is no image token whose position an ID could be read from',
  internvl: 'transformers.js has no InternVL processor (448-px dynamic tiling with its own image tokens), and its exports are not in the onnx-community layout',
  llava_next: 'its processor picks an any-resolution tile grid per image (anyres), which transformers.js does not reproduce, so the image token count and layout would differ from Hugging Face',
  llava_onevision: 'its anyres tiling and video input are not reproduced by transformers.js',
  paligemma: 'its decoder uses a bidirectional prefix mask over image and prompt tokens, and this runtime builds a causal mask only',
  gemma3n: 'its audio/vision towers and per-layer embeddings are a different export layout (not the three-graph VLM layout)',
  qwen3_vl: 'its DeepStack feeds vision features into several decoder layers, which transformers.js does not reproduce',
};

export function familyOfModelType(modelType: string, hasSpatialIdLensBlock: boolean): FamilyName | undefined {
  const family = FAMILY_OF_MODEL_TYPE[modelType];
  return family === 'llava' && hasSpatialIdLensBlock ? 'tiny-spatial-vlm' : family;
}

/** The message for a model_type this runtime does not load: the reason, and what it does load. */
export function unsupportedFamilyMessage(modelType: string): string {
  const supported = `Supported families (config.json "model_type"): ${SUPPORTED_MODEL_TYPES.join(', ')}.`;
  const why = UNSUPPORTED_BECAUSE[modelType];
  if (why) return `Model type ${modelType} is not supported because ${why}. ${supported}`;
  return `Model type ${modelType} is not supported: this runtime reads vision-language models whose images become tokens of the language model's residual stream, in the transformers.js / onnx-community layout (vision_encoder, embed_tokens, decoder_model_merged). ${supported}`;
}

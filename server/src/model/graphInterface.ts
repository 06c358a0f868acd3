import type * as ort from './onnxRuntime';
import { ModelFolder, ModelFolderError } from './modelFolder';
import { outputSize } from './imagePreprocessor';

/**
 * What each of the four graphs must take and give, checked once the sessions are open: names
 * (so swapped encoders or a decoder in the embedder's place are refused at load) and every size
 * the graph states as a number (symbolic dimensions such as "batch_size" are left alone) against
 * the configs. Without this, a broken folder loads and fails at its first question with an
 * internal error, a NaN answer or an abort.
 */

type Session = Pick<ort.InferenceSession, 'inputNames' | 'outputNames' | 'inputMetadata' | 'outputMetadata'>;

interface Expect {
  name: string;
  /** Required sizes by axis (negative: from the end). */
  dims?: Record<number, number | undefined>;
  what: string;
}

function shapeOf(meta: readonly ort.InferenceSession.ValueMetadata[] | undefined, name: string): ReadonlyArray<number | string> | undefined {
  const m = meta?.find((x) => x.name === name);
  return m && m.isTensor ? m.shape : undefined;
}

function checkValue(file: string, names: readonly string[], meta: readonly ort.InferenceSession.ValueMetadata[] | undefined, side: 'input' | 'output', want: Expect, role: string): void {
  if (!names.includes(want.name)) {
    throw new ModelFolderError(`${file} has no ${side} "${want.name}" (its ${side}s are ${names.join(', ') || 'none'}), so it is not the ${role}: check that the graphs in onnx/ are not swapped, or re-export with the transformers.js names.`);
  }
  const shape = shapeOf(meta, want.name);
  if (!shape || !want.dims) return;
  for (const [axisText, size] of Object.entries(want.dims)) {
    if (size === undefined) continue;
    const axis = Number(axisText) < 0 ? shape.length + Number(axisText) : Number(axisText);
    const got = shape[axis];
    if (typeof got === 'number' && got !== size) {
      throw new ModelFolderError(`${file} ${side} "${want.name}" has size ${got} on axis ${axis} (shape [${shape.join(', ')}]) but ${want.what} is ${size}: the graph and the configs come from different models; export them together.`);
    }
  }
}

export interface OpenGraphs {
  vision: Session;
  video: Session | null;
  embedTokens: Session;
  decoder: Session;
}

export function checkGraphInterfaces(folder: ModelFolder, graphs: OpenGraphs): void {
  const text = folder.config.text_config;
  const hidden = { name: '', dims: { [-1]: text.hidden_size }, what: 'config.json "text_config" "hidden_size"' };
  // Only the bundled model has one fixed input size; real families' processors size each image (tiles, native grids).
  const fixedSize = folder.family === 'tiny-spatial-vlm' ? outputSize(folder.preprocessor) : undefined;
  const pixels = (name: string): Expect => ({ name, dims: fixedSize && { 1: 3, 2: fixedSize.height, 3: fixedSize.width }, what: 'the preprocessed image (3 x height x width of preprocessor_config.json)' });
  const check = (file: string, s: Session, input: Expect, output: Expect, role: string) => {
    checkValue(file, s.inputNames, s.inputMetadata, 'input', input, role);
    checkValue(file, s.outputNames, s.outputMetadata, 'output', output, role);
  };
  const { onnx } = folder;
  check(onnx.visionEncoder, graphs.vision, pixels('pixel_values'), { ...hidden, name: 'image_features' }, 'image encoder (vision_encoder)');
  checkValue(onnx.visionEncoder, graphs.vision.outputNames, graphs.vision.outputMetadata, 'output', { name: 'image_features', dims: { [-2]: folder.processor.image_seq_length }, what: '"image_seq_length"' }, 'image encoder');
  if (graphs.video && onnx.videoEncoder) check(onnx.videoEncoder, graphs.video, pixels('pixel_values_videos'), { ...hidden, name: 'video_features' }, 'video encoder (video_encoder)');
  check(onnx.embedTokens, graphs.embedTokens, { name: 'input_ids', what: '' }, { ...hidden, name: 'inputs_embeds' }, 'token embedding (embed_tokens)');
  const decoderRole = 'decoder (decoder_model_merged)';
  // onnxruntime-genai builder decoders take no position_ids (rotary inside GroupQueryAttention)
  const positional = folder.family === 'tiny-spatial-vlm' ? ['attention_mask', 'position_ids'] : ['attention_mask'];
  for (const name of positional) checkValue(onnx.decoder, graphs.decoder.inputNames, graphs.decoder.inputMetadata, 'input', { name, what: '' }, decoderRole);
  check(onnx.decoder, graphs.decoder, { ...hidden, name: 'inputs_embeds' }, { name: 'logits', dims: { [-1]: text.vocab_size }, what: 'config.json "text_config" "vocab_size"' }, decoderRole);
  const kvHeads = text.num_key_value_heads ?? text.num_attention_heads;
  const headDim = text.head_dim ?? text.hidden_size / text.num_attention_heads;
  for (const name of graphs.decoder.inputNames.filter((n) => n.startsWith('past_key_values.'))) {
    checkValue(onnx.decoder, graphs.decoder.inputNames, graphs.decoder.inputMetadata, 'input', { name, dims: { 1: kvHeads, 3: headDim }, what: 'num_key_value_heads x head_dim of config.json "text_config"' }, decoderRole);
  }
}

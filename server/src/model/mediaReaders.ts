import * as ort from './onnxRuntime';
import { ModelFolderError, VlmConfig } from './modelFolder';

/**
 * Media readers: a model may declare, in config.json, that only some text tokens (its
 * "readers", e.g. the object words) attend to media tokens, through an extra decoder input
 * that is added to the attention scores. The bundled model does (its card says why: without it
 * a 6-layer model reads the answer straight off the image tokens). Real LLaVA exports declare
 * nothing and have no such input; they load as before.
 *
 * config.json:
 *   "media_readers": { "decoder_input": "attention_bias", "token_ids": [14, 15, ...], "media_token_ids": [4] }
 * media_token_ids are the media the readers alone may see (default: the image and video tokens).
 * The input is [batch, 1, new positions, past + new positions], float32, 0 or -1e9.
 */

export interface MediaReaders {
  /** The decoder input that takes the bias. */
  input: string;
  readers: ReadonlySet<number>;
  media: ReadonlySet<number>;
}

/** Added to a blocked score; finite (not -Infinity) like the decoder's own mask, so no row becomes NaN. */
const BLOCKED = -1e9;

function isIdList(v: unknown): v is number[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => Number.isInteger(x) && x >= 0);
}

/**
 * What the folder declares, checked against the decoder's inputs: a declared input the decoder
 * lacks, or a bias input that nothing declares, is an error naming the fix.
 */
export function mediaReadersOf(config: VlmConfig, decoderInputs: readonly string[], decoderFile: string): MediaReaders | null {
  const raw = config.media_readers;
  if (raw === undefined) {
    if (decoderInputs.includes('attention_bias')) {
      throw new ModelFolderError(`${decoderFile} takes an "attention_bias" input but config.json declares no "media_readers": add {"media_readers": {"decoder_input": "attention_bias", "token_ids": [...]}} naming the tokens that may attend to media, or re-export the decoder without it.`);
    }
    return null;
  }
  const spec = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const input = spec.decoder_input;
  if (typeof input !== 'string' || !isIdList(spec.token_ids)) {
    throw new ModelFolderError(`config.json "media_readers" must be {"decoder_input": "<input name>", "token_ids": [<token ids>]} (got ${JSON.stringify(raw)}): re-export the model's config.`);
  }
  if (!decoderInputs.includes(input)) {
    throw new ModelFolderError(`config.json "media_readers" names the decoder input "${input}", but ${decoderFile} has no such input (it has ${decoderInputs.join(', ')}): re-export the decoder and config together.`);
  }
  if (spec.media_token_ids !== undefined && !isIdList(spec.media_token_ids)) {
    throw new ModelFolderError(`config.json "media_readers" "media_token_ids" must list token ids (got ${JSON.stringify(spec.media_token_ids)}): re-export the model's config.`);
  }
  const media = (spec.media_token_ids as number[] | undefined) ?? [config.image_token_index, ...(config.video_token_index === undefined ? [] : [config.video_token_index])];
  return { input, readers: new Set(spec.token_ids), media: new Set(media) };
}

/**
 * The bias for one decoder call: rows are the new tokens (`keyIds.slice(-queryCount)`), columns
 * every token in the cache after the call. A query that is neither a reader nor a media token
 * may not see media keys.
 */
export function mediaReaderBias(spec: MediaReaders, keyIds: readonly number[], queryCount: number): ort.Tensor {
  const total = keyIds.length;
  if (queryCount > total) throw new Error(`${queryCount} new tokens but only ${total} in the sequence.`);
  const bias = new Float32Array(queryCount * total);
  const mediaKeys = keyIds.flatMap((id, k) => (spec.media.has(id) ? [k] : []));
  for (let q = 0; q < queryCount; q++) {
    const id = keyIds[total - queryCount + q];
    if (spec.readers.has(id) || spec.media.has(id)) continue;
    for (const k of mediaKeys) bias[q * total + k] = BLOCKED;
  }
  return new ort.Tensor('float32', bias, [1, 1, queryCount, total]);
}

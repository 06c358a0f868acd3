import * as ort from './onnxRuntime';
import { ModelFolder, ModelFolderError, eosTokenIds } from './modelFolder';
import { outputSize } from './imagePreprocessor';
import { MediaReaders, mediaReaderBias, mediaReadersOf } from './mediaReaders';
import { checkGraphInterfaces } from './graphInterface';
import { PromptPositions, linearPositions } from './positionIds';
import { float16ToFloat32 } from '../tensors/float16';

/**
 * The ONNX graphs of a model folder, run with onnxruntime-node: the image encoder (and the
 * bundled model's video encoder), token embeddings, and the decoder with its KV cache, whichever
 * layout it was exported in (position ids or none, float32 or float16 cache). What differs by
 * family (encoder inputs, position ids) comes from the family (families/). Batch size 1 throughout.
 */

export interface OrtSessionsOptions {
  /** Threads inside one operator (default 1: the server shares the machine with the editor). */
  intraOpNumThreads?: number;
  /**
   * A decoder to load from memory instead of the folder's file (the instrumented copy); its
   * `.onnx_data` files are read from `externalDataFolder`, never copied.
   */
  decoder?: { bytes?: Uint8Array; file?: string; externalDataFolder: string };
  /** onnxruntime execution providers in order of preference (default: cpu); cpu is always the fallback. */
  executionProviders?: string[];
}

/** The providers to ask onnxruntime for: known to this build, cpu last; a clear error otherwise. */
export function checkExecutionProviders(requested: readonly string[] | undefined): string[] {
  const names = (requested ?? []).map((p) => p.trim().toLowerCase()).filter(Boolean);
  const backends = ort.listSupportedBackends?.() ?? [{ name: 'cpu', bundled: true }];
  for (const name of names) {
    const b = backends.find((x) => x.name === name);
    if (!b) throw new ModelFolderError(`Execution provider "${name}" is not known to this onnxruntime-node (it knows ${backends.map((x) => x.name).join(', ')}): choose one of those.`);
    if (!b.bundled) throw new ModelFolderError(`Execution provider "${name}" needs binaries that onnxruntime-node downloads at install time, and this install skipped them (ONNXRUNTIME_NODE_INSTALL=skip): reinstall onnxruntime-node with its download, or use cpu.`);
  }
  return [...new Set([...names.filter((n) => n !== 'cpu'), 'cpu'])];
}

/** The decoder's past: `past_key_values.N.key/value` [1, kv_heads, length, head_dim], and the ids it holds. */
export interface KvCache {
  length: number;
  ids: readonly number[];
  tensors: Record<string, ort.Tensor>;
}

export interface DecoderStep {
  /** [1, seq, vocab] */
  logits: ort.Tensor;
  cache: KvCache;
  /** Every output of the decoder call (captures of an instrumented decoder among them). */
  outputs: Record<string, ort.Tensor>;
}

/** Extra decoder inputs for a call over `seqLen` positions (an instrumented decoder's deltas). */
export type ExtraFeeds = (seqLen: number) => Record<string, ort.Tensor>;

export interface MediaFeatures {
  /** image_features for the prompt's images, in order: [n_images * image_seq_length * hidden]. */
  image?: Float32Array;
  /** video_features: [video_seq_length * hidden]. */
  video?: Float32Array;
}

export class OrtSessions {
  readonly hiddenSize: number;
  readonly vocabSize: number;
  private readonly kvHeads: number;
  private readonly headDim: number;
  private readonly pastNames: string[];
  private readonly eos: Set<number>;
  private readonly usesCacheBranch: boolean;
  /** onnxruntime-genai builder decoders take no position_ids (rotary inside GroupQueryAttention). */
  private readonly takesPositions: boolean;
  /** Builder decoders' `num_logits_to_keep`: fed 0, which keeps the logits of every position. */
  private readonly takesLogitsToKeep: boolean;
  /** The KV cache's element type (float16 in fp16 / q4f16 exports). */
  private readonly cacheType: 'float32' | 'float16';
  /** Which tokens may attend to media, where the model declares it (config.json "media_readers"). */
  readonly mediaReaders: MediaReaders | null;
  private disposed = false;

  private constructor(
    readonly folder: ModelFolder,
    private readonly vision: ort.InferenceSession,
    private readonly video: ort.InferenceSession | null,
    private readonly embedTokens: ort.InferenceSession,
    private readonly decoder: ort.InferenceSession,
  ) {
    checkGraphInterfaces(folder, { vision, video, embedTokens, decoder });
    const text = folder.config.text_config;
    this.hiddenSize = text.hidden_size;
    this.vocabSize = text.vocab_size;
    this.kvHeads = text.num_key_value_heads ?? text.num_attention_heads;
    this.headDim = text.head_dim ?? text.hidden_size / text.num_attention_heads;
    this.pastNames = decoder.inputNames.filter((n) => n.startsWith('past_key_values.'));
    const expected = 2 * text.num_hidden_layers;
    if (this.pastNames.length !== expected) {
      throw new ModelFolderError(`${folder.onnx.decoder} has ${this.pastNames.length} past_key_values inputs but config.json describes ${text.num_hidden_layers} layers (${expected} expected): re-export the decoder with its KV cache.`);
    }
    this.eos = new Set(eosTokenIds(folder));
    this.usesCacheBranch = decoder.inputNames.includes('use_cache_branch');
    this.takesPositions = decoder.inputNames.includes('position_ids');
    this.takesLogitsToKeep = decoder.inputNames.includes('num_logits_to_keep');
    const pastMeta = decoder.inputMetadata?.find((m) => m.name === this.pastNames[0]);
    this.cacheType = pastMeta?.isTensor && pastMeta.type === 'float16' ? 'float16' : 'float32';
    this.mediaReaders = mediaReadersOf(folder.config, decoder.inputNames, folder.onnx.decoder);
  }

  static async open(folder: ModelFolder, opts: OrtSessionsOptions = {}): Promise<OrtSessions> {
    const options: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: opts.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      executionProviders: checkExecutionProviders(opts.executionProviders),
    };
    const load = async (file: string, bytes?: Uint8Array, externalDataFolder?: string) => {
      let session: ort.InferenceSession;
      try {
        // onnxruntime-node reads the external initializers of a model given as bytes from this folder
        const extra = externalDataFolder ? { extra: { session: { model_external_initializers_file_folder_path: externalDataFolder } } } : {};
        session = bytes ? await ort.InferenceSession.create(bytes, { ...options, ...extra }) : await ort.InferenceSession.create(file, options);
      } catch (e) {
        throw new ModelFolderError(`onnxruntime could not load ${file} (${(e as Error).message.trim()}): the file is damaged or not an ONNX graph; re-export it.`);
      }
      // fp16 exports take float32 pixels and embeddings and Cast them inside; only the KV cache and our deltas are fed as float16.
      for (const meta of session.inputMetadata ?? []) {
        if (meta.isTensor && meta.type === 'float16' && !meta.name.startsWith('past_key_values.') && !meta.name.startsWith('delta.')) {
          await session.release();
          throw new ModelFolderError(`${file} takes float16 input "${meta.name}", which this runtime feeds as float32 only (fp16 exports cast their inputs inside): re-export it so, or load the fp32 or q4 variant.`);
        }
      }
      return session;
    };
    const settled = await Promise.allSettled([
      load(folder.onnx.visionEncoder),
      folder.onnx.videoEncoder ? load(folder.onnx.videoEncoder) : Promise.resolve(null),
      load(folder.onnx.embedTokens),
      opts.decoder?.file ? load(opts.decoder.file) : load(folder.onnx.decoder, opts.decoder?.bytes, opts.decoder?.externalDataFolder),
    ]);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    const opened = settled.map((r) => (r.status === 'fulfilled' ? r.value : null));
    try {
      if (failed) throw failed.reason;
      const [vision, video, embed, decoder] = opened;
      return new OrtSessions(folder, vision!, video, embed!, decoder!); // throws on a bad folder: released below
    } catch (e) {
      await Promise.all(opened.map((session) => session?.release())); // no half-open model
      throw e;
    }
  }

  private alive(): void {
    if (this.disposed) throw new Error('This model session was disposed: open the model again.');
  }

  private async runOne(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, output: string): Promise<ort.Tensor> {
    this.alive();
    const result = await session.run(feeds);
    const t = result[output];
    if (!t) throw new ModelFolderError(`The graph has no output "${output}" (it has ${session.outputNames.join(', ')}): re-export it with the transformers.js names.`);
    return t;
  }

  /** Stacks [3, H, W] arrays into one [n, 3, H, W] float32 tensor. */
  private stackPixels(images: readonly Float32Array[]): ort.Tensor {
    const { height, width } = outputSize(this.folder.preprocessor);
    const size = 3 * height * width;
    const pixels = new Float32Array(images.length * size);
    images.forEach((img, i) => {
      if (img.length !== size) throw new Error(`Image ${i + 1} has ${img.length} values; the encoder takes 3x${height}x${width} = ${size}: preprocess it with preprocessImage first.`);
      pixels.set(img, i * size);
    });
    return new ort.Tensor('float32', pixels, [images.length, 3, height, width]);
  }

  get visionInputNames(): readonly string[] {
    return this.vision.inputNames;
  }

  /** The vision encoder on a family's own feeds -> image_features, [tokens * hidden] as float32. */
  async runVision(feeds: Record<string, ort.Tensor>): Promise<Float32Array> {
    return float32Of(await this.runOne(this.vision, feeds, 'image_features'));
  }

  /** pixel_values of n images, each [3, H, W] -> image_features [n, image_seq_length, hidden]. */
  async encodeImages(images: readonly Float32Array[]): Promise<ort.Tensor> {
    return this.runOne(this.vision, { pixel_values: this.stackPixels(images) }, 'image_features');
  }

  /** pixel_values_videos of one clip, frames [3, H, W] -> video_features [1, frames * tokens_per_frame, hidden]. */
  async encodeVideo(frames: readonly Float32Array[]): Promise<ort.Tensor> {
    if (!this.video) throw new ModelFolderError('This model has no video encoder (config.json has no "video_config").');
    const want = this.folder.processor.num_frames;
    if (want !== undefined && frames.length !== want) throw new ModelFolderError(`The clip has ${frames.length} frames; this model takes ${want} (processor_config.json "num_frames").`);
    return this.runOne(this.video, { pixel_values_videos: this.stackPixels(frames) }, 'video_features');
  }

  /** input_ids [seq] -> inputs_embeds [seq * hidden]. */
  async embed(ids: readonly number[]): Promise<Float32Array> {
    const input = new ort.Tensor('int64', BigInt64Array.from(ids, (i) => BigInt(i)), [1, ids.length]);
    return float32Of(await this.runOne(this.embedTokens, { input_ids: input }, 'inputs_embeds'));
  }

  /** Writes feature vectors, in order, over the embeddings at the positions holding `tokenId`. */
  mergeFeatures(embeds: Float32Array, ids: readonly number[], features: Float32Array, tokenId: number): Float32Array {
    const h = this.hiddenSize;
    const positions = ids.flatMap((id, i) => (id === tokenId ? [i] : []));
    if (positions.length * h !== features.length) {
      throw new ModelFolderError(`The prompt has ${positions.length} placeholder tokens (id ${tokenId}) but the encoder gave ${features.length / h} feature vectors: image_seq_length/video_seq_length disagree with the encoder output.`);
    }
    positions.forEach((p, k) => embeds.set(features.subarray(k * h, (k + 1) * h), p * h));
    return embeds;
  }

  /** Embeds the prompt and merges the encoded media: inputs_embeds [seq * hidden]. */
  async inputsEmbeds(ids: readonly number[], media: MediaFeatures = {}): Promise<Float32Array> {
    const embeds = await this.embed(ids);
    if (media.image) this.mergeFeatures(embeds, ids, media.image, this.folder.config.image_token_index);
    if (media.video) this.mergeFeatures(embeds, ids, media.video, this.folder.config.video_token_index ?? -1);
    return embeds;
  }

  emptyCache(): KvCache {
    const tensors: Record<string, ort.Tensor> = {};
    const empty = this.cacheType === 'float16' ? new Uint16Array(0) : new Float32Array(0);
    for (const name of this.pastNames) tensors[name] = new ort.Tensor(this.cacheType, empty, [1, this.kvHeads, 0, this.headDim]);
    return { length: 0, ids: [], tensors };
  }

  /**
   * One decoder call over the new tokens `ids` (embedded as `embeds`) after `cache` (empty past
   * when null); `positions` gives the sequence's position ids (default: 0, 1, 2, ...).
   */
  async decode(embeds: Float32Array, ids: readonly number[], cache: KvCache | null = null, extra?: ExtraFeeds, positions: PromptPositions = linearPositions()): Promise<DecoderStep> {
    this.alive();
    const past = cache ?? this.emptyCache();
    const seqLen = ids.length;
    if (embeds.length !== seqLen * this.hiddenSize) throw new Error(`${embeds.length} embedding values for ${seqLen} tokens of hidden size ${this.hiddenSize}.`);
    const total = past.length + seqLen;
    const allIds = [...past.ids, ...ids];
    const feeds: Record<string, ort.Tensor> = {
      inputs_embeds: new ort.Tensor('float32', embeds, [1, seqLen, this.hiddenSize]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      ...past.tensors,
      ...extra?.(seqLen),
    };
    if (this.takesPositions) {
      const p = positions.at(past.length, seqLen);
      feeds.position_ids = new ort.Tensor('int64', p.data, p.dims);
    }
    if (this.takesLogitsToKeep) feeds.num_logits_to_keep = new ort.Tensor('int64', [0n], []);
    // optimum's merged decoders pick their with-past branch from this flag
    if (this.usesCacheBranch) feeds.use_cache_branch = new ort.Tensor('bool', [past.length > 0], [1]);
    if (this.mediaReaders) feeds[this.mediaReaders.input] = mediaReaderBias(this.mediaReaders, allIds, seqLen);
    const out = await this.decoder.run(feeds);
    const tensors: Record<string, ort.Tensor> = {};
    for (const name of this.pastNames) {
      const present = out[name.replace('past_key_values.', 'present.')];
      if (!present) throw new ModelFolderError(`${this.folder.onnx.decoder} has no output ${name.replace('past_key_values.', 'present.')}: re-export the decoder with its KV cache outputs.`);
      tensors[name] = present;
    }
    if (!out.logits) throw new ModelFolderError(`${this.folder.onnx.decoder} has no "logits" output.`);
    const logits = out.logits.type === 'float32' ? out.logits : new ort.Tensor('float32', float32Of(out.logits), out.logits.dims);
    return { logits, cache: { length: total, ids: allIds, tensors }, outputs: out };
  }

  /** The prompt through the decoder: logits at the last position and the KV cache. */
  async prefill(embeds: Float32Array, ids: readonly number[], extra?: ExtraFeeds, positions?: PromptPositions): Promise<DecoderStep & { lastLogits: Float32Array }> {
    const step = await this.decode(embeds, ids, null, extra, positions);
    return { ...step, lastLogits: lastPosition(step.logits) };
  }

  /**
   * Greedy decoding with the KV cache after a prefill, stopping after an end-of-sequence token
   * (kept in the ids); `extra` feeds the new positions (zeros for an instrumented decoder).
   */
  async continueGreedy(prefilled: { lastLogits: Float32Array; cache: KvCache }, maxNewTokens: number, extra?: ExtraFeeds, positions?: PromptPositions): Promise<{ ids: number[]; firstLogits: Float32Array }> {
    let { lastLogits, cache } = prefilled;
    const firstLogits = lastLogits;
    const ids: number[] = [];
    while (ids.length < maxNewTokens) {
      const next = argmax(lastLogits);
      ids.push(next);
      if (this.eos.has(next) || ids.length === maxNewTokens) break;
      const step = await this.decode(await this.embed([next]), [next], cache, extra, positions);
      lastLogits = lastPosition(step.logits);
      cache = step.cache;
    }
    return { ids, firstLogits };
  }

  isEos(id: number): boolean {
    return this.eos.has(id);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all([this.vision, this.video, this.embedTokens, this.decoder].map((s) => s?.release()));
  }
}

/** A float tensor's values as float32 (fp16 exports give float16 activations; clients always see float32). */
export function float32Of(t: ort.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') return float16ToFloat32(t.data as Uint16Array);
  throw new ModelFolderError(`Expected a float tensor, got ${t.type}: re-export the graph with float outputs.`);
}

/** Logits [1, seq, vocab] -> the row of the last position. */
export function lastPosition(logits: ort.Tensor): Float32Array {
  const [, seq, vocab] = logits.dims;
  return (logits.data as Float32Array).subarray((seq - 1) * vocab, seq * vocab);
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** log-softmax over the whole vocabulary, in float64 (max-shifted for stability). */
export function logSoftmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  const logZ = max + Math.log(sum);
  return Float64Array.from(logits, (v) => v - logZ);
}

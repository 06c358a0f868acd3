import * as path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { siteName } from '../graph/residualSites';
import type { DecoderLayout } from '../graph/residualSites';
import { loadImageFile } from '../media/imageFile';
import { loadVideoFrames } from '../media/videoFile';
import { OnnxVariant, availableVariants, externalDataFiles, openModelFolder } from '../model/modelFolder';
import type { OrtSessionsOptions } from '../model/ortSessions';
import { FILE_KINDS, readRegularFile } from '../files/regularFile';
import type { ProcessedPrompt } from '../model/promptProcessor';
import { EncodedMedia, PreparedPrompt, VisionLanguageModel } from '../model/visionLanguageModel';
import { float32Of, logSoftmax } from '../model/ortSessions';
import type { AddIntervention, CaptureSpec, FrameTime, MediaRef, ModelInfo, PatchIntervention, TokenInfo } from '../../../protocol/requests';
import type { RgbImage } from '../scenes/renderScene';
import { throwIfCancelled } from './cancellation';
import { InstrumentedGraph, instrumentedDecoder } from './instrumentedDecoderCache';
import { checkInterventionComponent } from './interventionComponent';
import { InterventionDeltas } from './interventionDeltas';
import { CleanPrefixStore, PromptStep, cutCache, joinSteps } from './promptReuse';
import { badQuestion, badRequest } from '../../../protocol/errors';
import { answerWordsOf, resolvePositions, wordPosition } from './tokenPositions';
import { modelVocabularyOf } from '../scenes/modelVocabulary';
import { continuationLogprobs } from './continuationScores';
import { markUnknownTokens } from './unknownWords';

/**
 * The run API: one forward pass of a question about a picture or clip through the
 * instrumented decoder, reading (capture) and writing (add, patch) the residual stream at any
 * layer and token. Every residual site has a capture output and a delta input, so one session
 * serves every request; unused deltas are fed zeros.
 */

/** Media in process: a file, decoded pixels, frames (with which frames of the clip they are, when known), or features already encoded (reused across runs). */
export type RunMedia = MediaRef | { pixels: RgbImage } | { frames: RgbImage[]; times?: FrameTime[] } | { encoded: EncodedMedia };

/** A media file as every run decodes it: an image, or the clip's sampled frames and which frames they are. */
export type DecodedMedia = { pixels: RgbImage } | { frames: RgbImage[]; times: FrameTime[] };

/** A patch source: another input (run clean), or that input's residual at the patch layer, [its seq x hidden], recorded earlier. */
export type PatchSource = (RunMedia & { question?: string }) | { activations: Float32Array };

export type RunIntervention =
  | (Omit<AddIntervention, 'vector'> & { vector: ArrayLike<number> })
  | (Omit<PatchIntervention, 'from'> & { from: PatchSource });

export interface RunInput {
  media: RunMedia;
  question: string;
  answers?: string[];
  capture?: CaptureSpec;
  interventions?: readonly RunIntervention[];
  maxNewTokens?: number;
  /** Stops the run between its steps (decoding media, decoder calls) with CancelledError; default: the runner's `cancellation`. */
  signal?: AbortSignal;
}

export interface RunOutput {
  prompt: ProcessedPrompt;
  tokens: TokenInfo[];
  answer: string;
  logprobs: Record<string, number>;
  /** The decoder's logits over the prompt, [seq x vocab] (the last row is the first answer position). */
  logits: Float32Array;
  /** hidden.get(layer).get(position): the residual after that layer (after any intervention there). */
  hidden: Map<number, Map<number, Float32Array>>;
  /** For a video decoded here: which frames of the clip the model was fed, in order. */
  frames?: FrameTime[];
  /** The generated answer's token ids (ending with the end-of-sequence token when generation stopped on it); ModelRunner.scoreAnswers scores others after the same prompt. */
  answerIds: number[];
}

export interface RunnerOptions {
  threads?: number;
  variant?: OnnxVariant;
  /** Where instrumented graphs are cached (default ~/.cache/spatial-id-lens/graphs). */
  cacheDir?: string;
  /** onnxruntime execution providers in order of preference; cpu is always the fallback. */
  executionProviders?: string[];
}

/**
 * Where onnxruntime reads the instrumented decoder from: its cache file when the source keeps
 * its weights inside the graph (no second copy in this process while the session is made), else
 * bytes in memory with the source's folder for its `.onnx_data` files, which onnxruntime finds
 * relative to the graph it loads (never copied into the cache).
 */
function instrumentedSource(graph: InstrumentedGraph, sourceDecoder: string): OrtSessionsOptions['decoder'] {
  const externalDataFolder = path.dirname(sourceDecoder);
  if (graph.file && externalDataFiles(sourceDecoder).length === 0) return { file: graph.file, externalDataFolder };
  return { bytes: graph.bytes ?? new Uint8Array(readRegularFile(graph.file!, FILE_KINDS.onnx)), externalDataFolder };
}

export class ModelRunner {
  readonly numLayers: number;
  readonly hiddenSize: number;
  /**
   * The cancellation of the request this runner serves now (the server runs one request at a
   * time, see SerialQueue): every forward pass and media decode stops between its steps when it
   * aborts, so cancellation reaches inside analyses that run many passes without each passing it on.
   */
  cancellation: AbortSignal | undefined;
  /**
   * Whether runs that intervene only from some position on reuse the clean run of the positions
   * before it (promptReuse.ts); off only to compare with a full recompute.
   */
  prefixReuse = true;
  private readonly cleanPrefixes = new CleanPrefixStore();
  private dtypes: OnnxVariant[] | undefined;
  /** Each output's prompt run (its KV cache), to score whole answers after it; dropped with the output. */
  private readonly promptRuns = new WeakMap<RunOutput, (sequences: readonly (readonly number[])[]) => Promise<number[]>>();

  private constructor(
    readonly model: VisionLanguageModel,
    readonly layout: DecoderLayout,
    readonly decoderHash: string,
  ) {
    this.numLayers = layout.numLayers;
    this.hiddenSize = layout.hiddenSize;
  }

  static async load(dir: string, opts: RunnerOptions = {}): Promise<ModelRunner> {
    const folder = openModelFolder(dir, { variant: opts.variant });
    const text = folder.config.text_config;
    const graph = await instrumentedDecoder(folder.onnx.decoder, { cacheDir: opts.cacheDir, numLayers: text.num_hidden_layers, hiddenSize: text.hidden_size });
    const model = await VisionLanguageModel.load(dir, {
      variant: opts.variant,
      intraOpNumThreads: opts.threads,
      executionProviders: opts.executionProviders,
      decoder: instrumentedSource(graph, folder.onnx.decoder),
    });
    return new ModelRunner(model, graph.layout, graph.sourceHash);
  }

  info(): ModelInfo {
    const f = this.model.folder;
    const media = this.model.mediaLimits();
    return {
      dir: f.dir,
      modelType: f.config.model_type,
      family: f.family,
      dtypes: (this.dtypes ??= availableVariants(f.dir)), // read once: info() answers every request's checks
      variant: f.variant,
      numLayers: this.numLayers,
      hiddenSize: this.hiddenSize,
      vocabSize: f.config.text_config.vocab_size,
      decoderLayout: this.layout.layout,
      sites: this.layout.sites.map((s) => ({ layer: s.layer, name: s.name, kind: s.kind, tensor: s.tensor })),
      imageTokens: media.imageTokens,
      videoTokens: media.videoTokens,
      numFrames: media.numFrames,
      imageSize: media.imageSize,
      decoderHash: this.decoderHash,
      vocabulary: modelVocabularyOf(f.tokenizer, f.tokenizerConfig.chat_template, { readsVideo: media.numFrames !== null }),
    };
  }

  /**
   * A media file decoded as every run decodes it: an image as RGB (the preprocessor resizes it),
   * a video as the model's frame count of frames at the encoder's size (its frame budget).
   */
  async decodeMedia(media: MediaRef, signal: AbortSignal | undefined = this.cancellation): Promise<DecodedMedia> {
    throwIfCancelled(signal);
    if ('image' in media) {
      const pixels = await loadImageFile(media.image);
      throwIfCancelled(signal);
      return { pixels };
    }
    if ('video' in media) {
      const { numFrames: count, imageSize: size } = this.model.mediaLimits();
      if (!count || !size) throw badRequest(`${this.model.folder.dir} takes no video here (processor_config.json has no "num_frames"): ask about an image instead.`);
      const { frames, times } = await loadVideoFrames(media.video, count, { size: { width: size.width, height: size.height }, signal });
      throwIfCancelled(signal);
      return { frames, times };
    }
    throw badRequest('The media must be {"image": file} or {"video": file}.');
  }

  /** Decodes and encodes media once, for reuse across runs of the same picture or clip. */
  async encode(media: RunMedia, signal: AbortSignal | undefined = this.cancellation): Promise<EncodedMedia> {
    throwIfCancelled(signal);
    if ('encoded' in media) return media.encoded;
    if ('pixels' in media) return this.model.encodeImage(media.pixels);
    if ('frames' in media) return this.model.encodeClip(media.frames);
    const decoded = await this.decodeMedia(media, signal);
    return 'pixels' in decoded ? this.model.encodeImage(decoded.pixels) : this.model.encodeClip(decoded.frames);
  }

  private encodeText = (text: string): number[] => this.model.encodeText(text);

  /** The token id whose log-probability stands for an answer word (its first sub-token, as generated). */
  private answerTokenId(word: string): number {
    const ids = this.encodeText(` ${word}`);
    if (ids.length === 0 || ids[0] === this.model.unknownTokenId) throw badQuestion(`The answer word "${word}" is not in this model's vocabulary: ask for words the model can answer with.`);
    return ids[0];
  }

  private async prepare(media: RunMedia, question: string, signal: AbortSignal | undefined): Promise<PreparedPrompt> {
    if (typeof question !== 'string' || !question.trim()) throw badQuestion('The question is empty: ask e.g. "Is the red circle to the left or right of the blue square?".');
    const encoded = await this.encode(media, signal);
    throwIfCancelled(signal);
    // media encoded once (an analysis's picture) and asked the same question again: the prompt is the same too
    const known = this.prefixReuse && 'encoded' in media ? this.cleanPrefixes.preparedFor(encoded, question) : undefined;
    if (known) return known;
    const prepared = await this.model.promptEmbeds(question, encoded);
    if ('encoded' in media) this.cleanPrefixes.keepPrepared(encoded, question, prepared);
    return prepared;
  }

  /** Fresh deltas for a prompt of `seq` tokens, typed per site (float16 sites in fp16 exports). */
  deltas(seq: number): InterventionDeltas {
    return new InterventionDeltas(this.numLayers, this.hiddenSize, seq, this.layout.sites.map((s) => s.elemType));
  }

  /** Runs the whole prompt through the decoder with the given deltas. */
  private async prefill(prepared: PreparedPrompt, deltas: InterventionDeltas) {
    return this.model.session.prefill(prepared.embeds, prepared.prompt.ids, (n) => deltas.feeds(n), prepared.positions);
  }

  /**
   * The prompt through the decoder with deltas at positions `from` and later (the prompt's
   * length when there are none). For media encoded once and reused (`key`), the clean run of
   * the positions before `from` is kept and reused: only the rest of the prompt is computed.
   */
  private async runPrompt(prepared: PreparedPrompt, deltas: InterventionDeltas, key: object | undefined, question: string, from: number): Promise<PromptStep> {
    const { embeds, prompt, positions } = prepared;
    const seq = prompt.ids.length;
    if (!this.prefixReuse || key === undefined || from === 0) return this.prefill(prepared, deltas);
    let clean = this.cleanPrefixes.covering(key, question, from);
    if (clean && from === seq) return clean.step;
    if (!clean) {
      const step = await this.model.session.prefill(embeds.subarray(0, from * this.hiddenSize), prompt.ids.slice(0, from), () => deltas.zeroFeeds(), positions);
      this.cleanPrefixes.keep(key, question, from, step);
      if (from === seq) return step;
      clean = { media: key, question, length: from, step };
    }
    const rest = await this.model.session.decode(embeds.subarray(from * this.hiddenSize), prompt.ids.slice(from), cutCache(clean.step.cache, from), (n) => deltas.feeds(n, from), positions);
    return joinSteps(clean.step, from, rest);
  }

  private captured(outputs: Record<string, ort.Tensor>, layer: number): Float32Array {
    const t = outputs[siteName(layer, this.numLayers)];
    if (!t) throw new Error(`The instrumented decoder has no output ${siteName(layer, this.numLayers)}.`);
    return float32Of(t);
  }

  /** The clean residual of a patch source at one layer, [its seq x hidden]. */
  private async patchSource(from: PatchSource, layer: number, question: string, signal: AbortSignal | undefined): Promise<Float32Array> {
    if ('activations' in from) {
      if (from.activations.length % this.hiddenSize !== 0) throw badRequest(`Recorded activations of ${from.activations.length} values are not whole vectors of the hidden size ${this.hiddenSize}.`);
      return from.activations;
    }
    const source = await this.prepare(from, from.question ?? question, signal);
    throwIfCancelled(signal);
    const n = source.prompt.ids.length;
    return this.captured((await this.prefill(source, this.deltas(n))).outputs, layer);
  }

  async forward(input: RunInput): Promise<RunOutput> {
    const signal = input.signal ?? this.cancellation;
    throwIfCancelled(signal);
    (input.interventions ?? []).forEach((iv, i) => checkInterventionComponent(iv.component, `interventions[${i}].component`)); // before any media is read
    // a video file is decoded first, so the result can say which of its frames the model saw
    const media = 'video' in input.media ? await this.decodeMedia(input.media, signal) : input.media;
    const frames = 'frames' in media ? media.times : undefined;
    const prepared = await this.prepare(media, input.question, signal);
    const { prompt } = prepared;
    const seq = prompt.ids.length;
    const H = this.hiddenSize;
    const deltas = this.deltas(seq);
    const positionsOf = (sel: RunIntervention['positions']) => resolvePositions(sel, prompt.tokens, this.encodeText, input.question);

    const interventions = input.interventions ?? [];
    const where = interventions.map((iv) => positionsOf(iv.positions));
    interventions.forEach((iv, i) => {
      deltas.checkLayer(iv.layer);
      if (iv.kind === 'add') deltas.add(iv.layer, where[i], iv.vector);
      else if (iv.kind !== 'patch') throw badRequest(`Unknown intervention kind ${JSON.stringify((iv as { kind: unknown }).kind)}: use "add" or "patch".`);
    });
    // the first intervened position: everything before it is the clean run's
    const from = where.reduce((m, ps) => ps.reduce((a, q) => Math.min(a, q), m), seq);
    const key = 'encoded' in media ? media.encoded : undefined;
    const run = (d: InterventionDeltas) => this.runPrompt(prepared, d, key, input.question, from);
    // Patches in layer order: each is source minus the current value, which earlier layers' interventions already moved.
    const patches = interventions.filter((iv): iv is Extract<RunIntervention, { kind: 'patch' }> => iv.kind === 'patch').sort((a, b) => a.layer - b.layer);
    for (const p of patches) {
      const positions = positionsOf(p.positions);
      const target = await this.patchSource(p.from, p.layer, input.question, signal);
      const sourceSeq = target.length / H;
      const beyond = positions.find((q) => q >= sourceSeq);
      if (beyond !== undefined) {
        throw badRequest(`Position ${beyond} is patched but the patch source's prompt has only ${sourceSeq} tokens: patch positions both prompts share (e.g. the media tokens), or use questions of the same length.`);
      }
      throwIfCancelled(signal);
      const current = this.captured((await run(deltas)).outputs, p.layer);
      deltas.patch(p.layer, positions, target, current);
    }

    throwIfCancelled(signal);
    const final = await run(deltas);
    const maxNew = input.maxNewTokens ?? 8;
    // the feeds callback runs before each decoder step: the check there stops generation between steps
    const { ids } = await this.model.session.continueGreedy(final, maxNew, () => {
      throwIfCancelled(signal);
      return deltas.zeroFeeds();
    }, prepared.positions);
    const answer = ids.length ? this.model.decode(ids).trim() : '';

    // answers [] asks for none: only the generated answer's first word is scored
    const words = input.answers ?? answerWordsOf(input.question);
    const lp = logSoftmax(final.lastLogits);
    const logprobs: Record<string, number> = {};
    for (const w of words.length ? words : answer ? [answer.split(/\s+/)[0]] : []) logprobs[w] = lp[this.answerTokenId(w)];

    const hidden = new Map<number, Map<number, Float32Array>>();
    if (input.capture) {
      const layers = input.capture.layers === 'all' ? Array.from({ length: this.numLayers + 1 }, (_, l) => l) : input.capture.layers;
      const positions = positionsOf(input.capture.positions ?? 'all');
      for (const l of layers) {
        deltas.checkLayer(l);
        const data = this.captured(final.outputs, l);
        hidden.set(l, new Map(positions.map((p) => [p, data.slice(p * H, (p + 1) * H)])));
      }
    }
    const listed: TokenInfo[] = prompt.tokens.map((t, position) => ({ position, id: t.id, text: t.text, kind: t.kind, ...(t.media ? { media: t.media } : {}) }));
    const tokens = markUnknownTokens(listed, input.question, this.encodeText, this.model.unknownTokenId);
    const session = this.model.session;
    const output: RunOutput = {
      prompt,
      tokens,
      answer,
      logprobs,
      // read on demand: after a reused prefix the prompt's logits are joined only if asked for (hundreds of MB for a large vocabulary)
      get logits() {
        return final.logits.data as Float32Array;
      },
      hidden,
      ...(frames ? { frames } : {}),
      answerIds: ids,
    };
    this.promptRuns.set(output, (sequences) => continuationLogprobs(session, final, sequences, { extra: () => deltas.zeroFeeds(), positions: prepared.positions, signal }));
    return output;
  }

  /** Teacher-forced log P of whole answers (token ids) after `run`'s prompt, under its interventions (continuationScores.ts). */
  scoreAnswers(run: RunOutput, sequences: readonly (readonly number[])[]): Promise<number[]> {
    const score = this.promptRuns.get(run);
    if (!score) throw new Error("This run's output did not come from this runner: score answers with the runner that ran it.");
    return score(sequences);
  }

  /** The position of an object word in the prompt of `question` (quoted in the error when the word is not there). */
  wordPosition(prompt: ProcessedPrompt, word: string, question?: string): number {
    return wordPosition(prompt.tokens, word, this.encodeText, question);
  }

  async dispose(): Promise<void> {
    this.cleanPrefixes.clear();
    await this.model.dispose();
  }
}

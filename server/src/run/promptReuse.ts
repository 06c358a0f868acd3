import * as ort from '../model/onnxRuntime';
import { DecoderStep, KvCache, float32Of, lastPosition } from '../model/ortSessions';
import type { PreparedPrompt } from '../model/visionLanguageModel';

/**
 * Reuse of a prompt's clean prefix. Steering, noise and patching runs on one picture and
 * question intervene at the object words or later; every position before the first intervened
 * one computes exactly what the clean run computes (the decoder is causal), and in a VLM those
 * are the hundreds of media tokens. So the clean run's KV cache, cut to that prefix, is fed as
 * the past of a run over the rest of the prompt alone, and its logits and captures of the
 * prefix stand for the intervened run's. The runner keeps the last clean run (one picture and
 * question: an analysis works through its items one at a time).
 */

export type PromptStep = DecoderStep & { lastLogits: Float32Array };

/** A clean run over the first `length` positions of the prompt of `question` about `media`. */
interface CleanPrefix {
  media: object;
  question: string;
  length: number;
  step: PromptStep;
}

export class CleanPrefixStore {
  private last: CleanPrefix | undefined;
  private lastPrepared: { media: object; question: string; prepared: PreparedPrompt } | undefined;

  /** The prompt last prepared for this question about these media (ids, embeddings, positions). */
  preparedFor(media: object, question: string): PreparedPrompt | undefined {
    const p = this.lastPrepared;
    return p && p.media === media && p.question === question ? p.prepared : undefined;
  }

  keepPrepared(media: object, question: string, prepared: PreparedPrompt): void {
    this.lastPrepared = { media, question, prepared };
  }

  /** The stored clean run over at least `length` positions of this prompt, if any. */
  covering(media: object, question: string, length: number): CleanPrefix | undefined {
    const p = this.last;
    return p && p.media === media && p.question === question && p.length >= length ? p : undefined;
  }

  keep(media: object, question: string, length: number, step: PromptStep): void {
    this.last = { media, question, length, step };
  }

  clear(): void {
    this.last = undefined;
    this.lastPrepared = undefined;
  }
}

/** The first `length` positions of a KV cache ([1, heads, past, head_dim] per tensor). */
export function cutCache(cache: KvCache, length: number): KvCache {
  if (length === cache.length) return cache;
  const tensors: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(cache.tensors)) {
    const [b, heads, past, dim] = t.dims;
    const src = t.data as Float32Array | Uint16Array;
    const out = new (src.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(b * heads * length * dim);
    for (let h = 0; h < b * heads; h++) out.set(src.subarray(h * past * dim, (h * past + length) * dim), h * length * dim);
    tensors[name] = new ort.Tensor(t.type as 'float32' | 'float16', out, [b, heads, length, dim]);
  }
  return { length, ids: cache.ids.slice(0, length), tensors };
}

/** Rows [0, rows) of a [1, seq, width] tensor followed by all rows of another, as float32. */
function joinRows(head: ort.Tensor, rows: number, tail: ort.Tensor): ort.Tensor {
  const width = head.dims[2];
  const a = float32Of(head);
  const b = float32Of(tail);
  const out = new Float32Array((rows + tail.dims[1]) * width);
  out.set(a.subarray(0, rows * width));
  out.set(b, rows * width);
  return new ort.Tensor('float32', out, [1, rows + tail.dims[1], width]);
}

/** `get()` computed on first use and kept: a joined tensor can be hundreds of MB (logits over a 150k vocabulary). */
function lazily<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/**
 * The step of a whole prompt from the clean prefix's first `at` positions and a run over the
 * rest: logits and every [1, seq, width] output (the captures) joined along the sequence, each
 * only when read (a steering run reads the last logits alone), and the cache of the run over
 * the rest (it holds the prefix as its past).
 */
export function joinSteps(prefix: PromptStep, at: number, rest: DecoderStep): PromptStep {
  const outputs: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(rest.outputs)) {
    const head = prefix.outputs[name];
    const sequenceShaped = t.dims.length === 3 && t.dims[0] === 1 && head?.dims.length === 3;
    if (!sequenceShaped || name.startsWith('present.') || name === 'logits') continue;
    const joined = lazily(() => joinRows(head, at, t));
    Object.defineProperty(outputs, name, { get: joined, enumerable: true });
  }
  const logits = lazily(() => joinRows(prefix.logits, at, rest.logits));
  Object.defineProperty(outputs, 'logits', { get: logits, enumerable: true });
  return {
    get logits() {
      return logits();
    },
    cache: rest.cache,
    outputs,
    lastLogits: lastPosition(rest.logits),
  };
}

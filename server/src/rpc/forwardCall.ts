import type { ModelRunner, RunInput, RunOutput } from '../run/modelRunner';
import type { CaptureSpec, ForwardParams, ForwardResult, Intervention, MediaRef, PositionSelector } from '../protocol/spatialIdsProtocol';
import { badParams } from './requestErrors';

/**
 * `spatialIds/forward` for both faces of the core: the JSON parameters checked (they come from
 * another process, so every field is checked before the run API sees it), the run, and the run's
 * output as ForwardResult JSON. The RPC handler and the CLI's `forward` both call `runForward`.
 * Ranges that depend on the model (layer indices, vector lengths, words in the question) are
 * checked by the run API, which knows the model.
 */

export const MAX_NEW_TOKENS = 256;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));

function checkStrings(v: unknown, where: string): string[] {
  if (!Array.isArray(v) || v.some((w) => typeof w !== 'string' || !w.trim())) throw badParams(`${where} must be a list of non-empty words (got ${show(v)}).`);
  return v;
}

function checkLayer(v: unknown, where: string): number {
  if (!Number.isInteger(v) || (v as number) < 0) throw badParams(`${where} must be a layer index, a whole number from 0 (got ${show(v)}).`);
  return v as number;
}

export function checkMediaRef(v: unknown, where = 'media'): MediaRef {
  if (isObject(v)) {
    const keys = ['image', 'video'].filter((k) => k in v);
    if (keys.length === 1 && typeof v[keys[0]] === 'string' && (v[keys[0]] as string).trim()) return keys[0] === 'image' ? { image: v.image as string } : { video: v.video as string };
  }
  throw badParams(`${where} must be {"image": file} or {"video": file} (got ${show(v)}).`);
}

export function checkPositions(v: unknown, where: string): PositionSelector {
  if (v === 'all' || v === 'media' || v === 'text') return v;
  if (Array.isArray(v) && v.every((p) => Number.isInteger(p) && p >= 0)) return v as number[];
  if (isObject(v) && 'words' in v) return { words: checkStrings(v.words, `${where}.words`) };
  throw badParams(`${where} must be "all", "media", "text", a list of token positions or {"words": [...]} (got ${show(v)}).`);
}

function checkCapture(v: unknown): CaptureSpec {
  if (!isObject(v)) throw badParams(`capture must be {"layers": "all" | [...], "positions": ...} (got ${show(v)}).`);
  const layers = v.layers ?? 'all';
  if (layers !== 'all' && !Array.isArray(layers)) throw badParams(`capture.layers must be "all" or a list of layer indices (got ${show(layers)}).`);
  return {
    layers: layers === 'all' ? 'all' : layers.map((l, i) => checkLayer(l, `capture.layers[${i}]`)),
    positions: checkPositions(v.positions ?? 'all', 'capture.positions'),
  };
}

function checkIntervention(v: unknown, i: number): Intervention {
  const where = `interventions[${i}]`;
  if (!isObject(v)) throw badParams(`${where} must be an object {"kind": "add" | "patch", "layer", "positions", ...} (got ${show(v)}).`);
  const layer = checkLayer(v.layer, `${where}.layer`);
  const positions = checkPositions(v.positions, `${where}.positions`);
  if (v.kind === 'add') {
    if (!Array.isArray(v.vector) || v.vector.some((x) => typeof x !== 'number')) throw badParams(`${where}.vector must be a list of numbers (got ${show(v.vector)}).`);
    return { kind: 'add', layer, positions, vector: v.vector };
  }
  if (v.kind === 'patch') {
    const from = checkMediaRef(v.from, `${where}.from`);
    const question = isObject(v.from) ? v.from.question : undefined;
    if (question !== undefined && typeof question !== 'string') throw badParams(`${where}.from.question must be a string (got ${show(question)}).`);
    return { kind: 'patch', layer, positions, from: question === undefined ? from : { ...from, question } };
  }
  throw badParams(`${where}.kind must be "add" (steering) or "patch" (got ${show(v.kind)}).`);
}

/** ForwardParams from untrusted JSON; throws a badRequest RunError naming the first bad field. */
export function checkForwardParams(raw: unknown): ForwardParams {
  if (!isObject(raw)) throw badParams(`spatialIds/forward takes {"media", "question", ...} (got ${show(raw)}).`);
  if (raw.model !== undefined && (typeof raw.model !== 'string' || !raw.model.trim())) throw badParams(`model must be a model folder path (got ${show(raw.model)}).`);
  if (typeof raw.question !== 'string') throw badParams(`question must be a string (got ${show(raw.question)}).`);
  const maxNewTokens = raw.maxNewTokens;
  if (maxNewTokens !== undefined && (!Number.isInteger(maxNewTokens) || (maxNewTokens as number) < 0 || (maxNewTokens as number) > MAX_NEW_TOKENS)) {
    throw badParams(`maxNewTokens must be a whole number from 0 to ${MAX_NEW_TOKENS} (got ${show(maxNewTokens)}).`);
  }
  if (raw.interventions !== undefined && !Array.isArray(raw.interventions)) throw badParams(`interventions must be a list (got ${show(raw.interventions)}).`);
  return {
    ...(raw.model !== undefined ? { model: raw.model as string } : {}),
    media: checkMediaRef(raw.media),
    question: raw.question,
    ...(raw.answers !== undefined ? { answers: checkStrings(raw.answers, 'answers') } : {}),
    ...(raw.capture !== undefined ? { capture: checkCapture(raw.capture) } : {}),
    ...(raw.interventions !== undefined ? { interventions: (raw.interventions as unknown[]).map(checkIntervention) } : {}),
    ...(maxNewTokens !== undefined ? { maxNewTokens: maxNewTokens as number } : {}),
  };
}

/** The run API's input for checked parameters (the protocol's JSON values are run API values). */
export function toRunInput(params: ForwardParams): RunInput {
  const { media, question, answers, capture, interventions, maxNewTokens } = params;
  return { media, question, answers, capture, interventions, maxNewTokens };
}

/** A run's output as ForwardResult JSON: hidden[layer][position] = the vector as a number array. */
export function toForwardResult(out: RunOutput): ForwardResult {
  const hidden: ForwardResult['hidden'] = {};
  for (const [layer, byPosition] of out.hidden) {
    const vectors: Record<string, number[]> = {};
    for (const [position, vector] of byPosition) vectors[String(position)] = Array.from(vector);
    hidden[String(layer)] = vectors;
  }
  return { answer: out.answer, logprobs: out.logprobs, tokens: out.tokens, hidden };
}

export async function runForward(runner: ModelRunner, params: ForwardParams): Promise<ForwardResult> {
  return toForwardResult(await runner.forward(toRunInput(params)));
}

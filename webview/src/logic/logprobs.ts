import type { SteerCondition, WholeAnswer } from '../../../protocol/requests';

/** Log-probability tables: answer words with their values before/after an intervention. */

export interface LogprobRow {
  word: string;
  before: number | null;
  after: number | null;
  delta: number | null;
  noise: number | null;
  noiseDelta: number | null;
}

function value(rec: Record<string, number> | undefined, word: string): number | null {
  const v = rec?.[word];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function diff(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a - b;
}

export function logprobRows(
  before: Record<string, number>,
  after?: Record<string, number>,
  noise?: Record<string, number>,
): LogprobRow[] {
  const words = [...new Set([...Object.keys(before), ...Object.keys(after ?? {}), ...Object.keys(noise ?? {})])];
  return words.map((word) => {
    const b = value(before, word);
    const a = value(after, word);
    const n = value(noise, word);
    return { word, before: b, after: a, delta: diff(a, b), noise: n, noiseDelta: diff(n, b) };
  });
}

export function formatLogprob(v: number | null): string {
  return v === null ? '–' : v.toFixed(3);
}

export function formatDelta(v: number | null): string {
  if (v === null) return '–';
  const s = v.toFixed(3);
  return v > 0 ? `+${s}` : s;
}

export function formatProbability(logprob: number | null): string {
  if (logprob === null) return '–';
  const p = Math.exp(logprob) * 100;
  return p >= 10 ? `${p.toFixed(0)}%` : p >= 0.1 ? `${p.toFixed(1)}%` : '<0.1%';
}

/** A whole answer's log P (summed over its tokens) under the run before steering, the steered run and the noise control. */
export interface WholeAnswerRow extends Omit<LogprobRow, 'word'> {
  answer: string;
  /** Which runs generated it: "before", "steered", "noise control". */
  generatedBy: string;
  tokens: number;
}

const CONDITION_NAMES: Record<SteerCondition, string> = { before: 'before', steered: 'steered', noise: 'noise control' };

export function wholeAnswerRows(answers: readonly WholeAnswer[]): WholeAnswerRow[] {
  return answers.map((a) => {
    const finite = (v: number) => (Number.isFinite(v) ? v : null);
    const b = finite(a.logprob.before);
    const s = finite(a.logprob.steered);
    const n = finite(a.logprob.noise);
    return { answer: a.text, generatedBy: a.generatedBy.map((c) => CONDITION_NAMES[c]).join(', '), tokens: a.tokens, before: b, after: s, delta: diff(s, b), noise: n, noiseDelta: diff(n, b) };
  });
}

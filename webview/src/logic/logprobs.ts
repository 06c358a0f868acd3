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

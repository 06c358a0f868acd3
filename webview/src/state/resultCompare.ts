import type { ForwardResult, PatchSweepResult, ProbeResult, SteerResult } from '../../../protocol/requests';
import type { WebviewMethod } from '../../../protocol/webview';
import { answerDifferences } from './experimentLog';

/** Log-probabilities, similarities and sweep values may differ by this much between runs (float32 kernels, thread counts). */
export const REPLAY_TOLERANCE = 1e-3;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * How a re-run result differs from the saved one, in words (empty: the same numbers within
 * `tolerance`). Results that do not have the expected shape are reported, not trusted.
 */
export function resultDifferences(method: WebviewMethod, saved: unknown, fresh: unknown, tolerance = REPLAY_TOLERANCE): string[] {
  if (!isObject(saved) || !isObject(fresh)) return ['the saved or the new result is missing'];
  switch (method) {
    case 'spatialIds/forward': {
      const [a, b] = [saved as unknown as ForwardResult, fresh as unknown as ForwardResult];
      return answerDifferences(a, b, tolerance);
    }
    case 'spatialIds/probe':
      return probeDifferences(saved as unknown as ProbeResult, fresh as unknown as ProbeResult, tolerance);
    case 'spatialIds/steer':
      return steerDifferences(saved as unknown as SteerResult, fresh as unknown as SteerResult, tolerance);
    case 'spatialIds/patchSweep':
      return sweepDifferences(saved as unknown as PatchSweepResult, fresh as unknown as PatchSweepResult, tolerance);
  }
}

function probeDifferences(a: ProbeResult, b: ProbeResult, tolerance: number): string[] {
  const out = answerDifferences(a, b, tolerance);
  for (const oa of a.objects ?? []) {
    const ob = (b.objects ?? []).find((o) => o.object === oa.object);
    if (!ob) {
      out.push(`${oa.object} is no longer read`);
      continue;
    }
    const moved = oa.argmax.map((c, l) => (ob.argmax[l] === c ? null : l)).filter((l) => l !== null);
    if (moved.length > 0) out.push(`${oa.object} is read in another cell at layer${moved.length > 1 ? 's' : ''} ${moved.join(', ')}`);
    const worst = largestChange(oa.similarity.flat(), ob.similarity.flat());
    if (!(worst <= tolerance)) out.push(`${oa.object}: similarities changed by up to ${formatChange(worst)}`);
  }
  return out;
}

function steerDifferences(a: SteerResult, b: SteerResult, tolerance: number): string[] {
  const sa = a.single;
  const sb = b.single;
  if (!sa || !sb) return sa || sb ? ['one of the runs has no single-input outcome'] : [];
  const out: string[] = [];
  const pairs = [
    ['before', { answer: sa.answerBefore, logprobs: sa.logprobsBefore }, { answer: sb.answerBefore, logprobs: sb.logprobsBefore }],
    ['steered', { answer: sa.answerAfter, logprobs: sa.logprobsAfter }, { answer: sb.answerAfter, logprobs: sb.logprobsAfter }],
  ] as const;
  for (const [label, x, y] of pairs) out.push(...answerDifferences(x, y, tolerance).map((d) => `${label}: ${d}`));
  // The noise control draws a random direction: only its answer is compared.
  if (sa.answerNoise !== sb.answerNoise) out.push(`noise control "${sa.answerNoise}" became "${sb.answerNoise}"`);
  return out;
}

function sweepDifferences(a: PatchSweepResult, b: PatchSweepResult, tolerance: number): string[] {
  const out: string[] = [];
  for (const group of ['image', 'text', 'objects'] as const) {
    const worst = largestChange(a.groups?.[group]?.mean ?? [], b.groups?.[group]?.mean ?? []);
    if (!(worst <= tolerance)) out.push(`sweep ${group} changed by up to ${formatChange(worst)}`);
  }
  return out;
}

/** The largest absolute difference; Infinity when the lengths differ or a value is not a number. */
export function largestChange(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!Number.isFinite(d)) return Infinity;
    worst = Math.max(worst, d);
  }
  return worst;
}

function formatChange(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : 'a different shape';
}

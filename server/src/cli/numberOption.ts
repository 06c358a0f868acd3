import { UsageError } from './usageError';

/** A whole-number command-line option in [min, max], or its fallback when absent. */
export function wholeNumber(name: string, value: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} takes a whole number from ${min} to ${max} (got "${value}").`);
  return n;
}

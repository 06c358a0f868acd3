/**
 * Confidence intervals for the reported rates and means, so every flip rate and mean shift
 * is shown with its uncertainty (the steering effects are small and the sets are small).
 */

export interface RateInterval {
  rate: number;
  low: number;
  high: number;
}

export interface MeanInterval {
  mean: number;
  low: number;
  high: number;
  n: number;
}

/**
 * Wilson score interval for a binomial rate (e.g. flip rate). Chosen over the normal
 * approximation because it stays inside [0, 1] and is sensible at 0/n and n/n, which are
 * common here (the noise control often flips nothing). n = 0 gives rate NaN and [0, 1].
 */
export function wilsonInterval(successes: number, n: number, z = 1.96): RateInterval {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(`wilsonInterval: need integers 0 <= successes <= n; got ${successes} of ${n}.`);
  }
  if (n === 0) return { rate: NaN, low: 0, high: 1 };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Mean with a normal-approximation interval: mean +- z * s / sqrt(n), s the sample standard
 * deviation (n - 1). Non-finite values (e.g. undefined belief shifts) are left out and `n`
 * reports how many were used. With n < 2 there is no spread estimate: low = high = mean
 * (NaN for n = 0).
 */
export function meanInterval(values: readonly number[], z = 1.96): MeanInterval {
  const used = values.filter(Number.isFinite);
  const n = used.length;
  if (n === 0) return { mean: NaN, low: NaN, high: NaN, n };
  const mean = used.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, low: mean, high: mean, n };
  const variance = used.reduce((acc, v) => acc + (v - mean) ** 2, 0) / (n - 1);
  const half = (z * Math.sqrt(variance)) / Math.sqrt(n);
  return { mean, low: mean - half, high: mean + half, n };
}

/**
 * How peaked a probe heatmap row is: does one cell stand out from the others, or is the reading
 * flat (layer 0, where the object word has not read the picture yet, or a picture the model
 * cannot read)? An argmax box on a flat row points at noise, so the panel shows "flat reading:
 * objects not found" instead.
 *
 * The measure: the top cell's margin over the cells farther than one step from it (Chebyshev
 * distance > 1 on the grid; frames more than one apart on a clip), in units of their standard
 * deviation (z). Neighbours are left out because neighbouring cells have similar IDs, so a real
 * object raises them too: against every other cell a sharp, correct reading (0.63 at the object's
 * cell, 0.34 the next best) scores no higher than noise. The threshold is what the top of n cells would
 * reach by chance if no cell were special: with the similarities exchangeable and roughly normal,
 * P(max z > q) = 1 − Φ(q)^n, so q = Φ⁻¹(0.95^(1/n)) leaves a 5% chance of calling noise a peak
 * (2.73 for 16 cells, 2.49 for 8 frames). The standard deviation has a floor of 1% of the row's
 * largest |value|, so a row of (nearly) equal values, such as layer 0's zeros, is flat.
 *
 * On the bundled model (a scene of a red circle and a blue square, a bank derived for it) the red
 * circle's rows peak at layers 1-3 (z 3.0-3.5), the blue square's at layer 3 (3.1; 2.7 at layer 2)
 * and layer 0 is flat (z 0); a picture without the named objects can still peak where the model
 * believes it sees one: peakedness says how sure the reading is, not that it is right.
 */

export interface Peakedness {
  /** The top cell (index into the row) and its value. */
  cell: number;
  top: number;
  /** The runner-up's value, and the mean and standard deviation of the cells the top is compared with (those not next to it). */
  second: number;
  restMean: number;
  restSd: number;
  /** (top − restMean) / restSd, with restSd floored (see above). */
  z: number;
  /** The z a peak must exceed for a row of this many cells. */
  threshold: number;
  peaked: boolean;
}

/** Probability that noise is called a peak (one-sided, per row). */
export const FALSE_PEAK_RATE = 0.05;

/** The z the top of `n` exchangeable normal cells exceeds with probability FALSE_PEAK_RATE. */
export function peakThreshold(n: number, rate = FALSE_PEAK_RATE): number {
  if (n < 2) return Infinity;
  return inverseNormal(Math.pow(1 - rate, 1 / n));
}

/** Grid cells (x = column or frame, y = row); absent: every cell is compared with the top. */
export interface PeakCell {
  x: number;
  y: number;
}

/** The row's peakedness; null when fewer than 3 cells are left to compare the top with. */
export function peakedness(values: readonly number[] | null | undefined, cells?: readonly PeakCell[]): Peakedness | null {
  if (!values) return null;
  const finite = values.map((v, i) => ({ v, i })).filter((x) => Number.isFinite(x.v));
  if (finite.length < 3) return null;
  const sorted = [...finite].sort((a, b) => b.v - a.v);
  const top = sorted[0];
  const at = cells?.[top.i];
  const far = sorted.slice(1).filter((x) => !at || !cells?.[x.i] || Math.max(Math.abs(cells[x.i].x - at.x), Math.abs(cells[x.i].y - at.y)) > 1);
  // a grid too small to leave three cells apart from the top is compared with every other cell
  const rest = (far.length >= 3 ? far : sorted.slice(1)).map((x) => x.v);
  const restMean = rest.reduce((s, v) => s + v, 0) / rest.length;
  const sd = Math.sqrt(rest.reduce((s, v) => s + (v - restMean) ** 2, 0) / Math.max(1, rest.length - 1));
  const scale = Math.max(...finite.map((x) => Math.abs(x.v)));
  const z = (top.v - restMean) / Math.max(sd, 0.01 * scale, 1e-9);
  const threshold = peakThreshold(values.length);
  return { cell: top.i, top: top.v, second: sorted[1].v, restMean, restSd: sd, z, threshold, peaked: z > threshold };
}

/** The argmax box to draw: the probe's own argmax on a peaked row, -1 (none) on a flat one or without values. */
export function shownArgmax(values: readonly number[] | null | undefined, argmax: number, cells?: readonly PeakCell[]): number {
  const p = peakedness(values, cells);
  return p && p.peaked ? argmax : -1;
}

/** "peaked: 0.63 vs 0.34 next, -0.05 mean of the cells apart (z 3.0 > 2.7)" or "flat reading: objects not found (z 1.2 < 2.7)". */
export function peakText(p: Peakedness | null): string {
  if (!p) return 'no reading';
  const z = `z ${p.z.toFixed(1)} ${p.peaked ? '>' : '≤'} ${p.threshold.toFixed(1)}`;
  return p.peaked
    ? `peaked: ${p.top.toFixed(2)} vs ${p.second.toFixed(2)} next, ${p.restMean.toFixed(2)} mean of the cells apart (${z})`
    : `flat reading: objects not found (${p.top.toFixed(2)} vs ${p.restMean.toFixed(2)} mean of the cells apart, ${z})`;
}

/** Φ⁻¹(p), Acklam's rational approximation (relative error < 1.2e-9), enough for a threshold. */
export function inverseNormal(p: number): number {
  if (!(p > 0 && p < 1)) return p <= 0 ? -Infinity : Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -inverseNormal(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

import type { RgbImage } from '../scenes/renderScene';

/**
 * Which frames of a video to keep, and holding them within a memory budget while the total is
 * still unknown (ffmpeg reports the frame count only by reaching the end). The one frame-sampling
 * function of the project: the panel's frame strip shows the frames the server sampled here.
 */

/** A sampled frame and its index among the decoded frames. */
export interface SampledFrame {
  index: number;
  image: RgbImage;
}

/**
 * round(linspace(0, total - 1, count)), as HF video processors sample (e.g. Qwen2-VL's
 * `torch.linspace(0, total - 1, n).round()`). Rounding is half-to-even like numpy/torch, computed
 * on exact integers so 4.5 is never mis-rounded through float error. When count > total, indices
 * repeat (total 3, count 5 -> 0 0 1 2 2): the clip is stretched in time rather than padded, so
 * the model still sees the first and last frames. count 1 gives [0], as linspace does.
 */
export function uniformIndices(total: number, count: number): number[] {
  if (!Number.isInteger(total) || total < 1) throw new RangeError(`uniformIndices needs at least one frame (got ${total}).`);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`uniformIndices needs a positive whole count (got ${count}).`);
  if (count === 1) return [0];
  const d = count - 1;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const n = i * (total - 1);
    const q = Math.floor(n / d);
    const twiceRem = 2 * (n - q * d);
    out.push(twiceRem > d || (twiceRem === d && q % 2 === 1) ? q + 1 : q);
  }
  return out;
}

/**
 * Collects decoded frames, keeping every `stride`-th plus the latest. When the kept frames pass
 * `budgetBytes` the stride doubles and every other kept frame is dropped, so memory stays bounded
 * for a video of any length; frames are only dropped while at least 2 * `count` remain, so
 * `count` distinct frames survive. With stride 1 (the usual case) sampling is exact; otherwise
 * each uniform index picks the nearest frame held, and the last frame is always exact (it
 * matters for "what appeared last" questions).
 */
export class FrameCollector {
  private kept: RgbImage[] = []; // kept[k] is frame k * stride
  private latest: RgbImage | null = null;
  private stride = 1;
  private total = 0;

  constructor(
    private readonly count: number,
    private readonly frameBytes: number,
    private readonly budgetBytes: number,
  ) {}

  /** Adds the next decoded frame (the collector keeps the reference; pass a fresh buffer each time). */
  push(image: RgbImage): void {
    const index = this.total++;
    this.latest = image;
    if (index % this.stride !== 0) return;
    this.kept.push(image);
    while (this.kept.length * this.frameBytes > this.budgetBytes && this.kept.length >= 2 * this.count) {
      this.stride *= 2;
      this.kept = this.kept.filter((_, k) => k % 2 === 0);
    }
  }

  get frameCount(): number {
    return this.total;
  }

  /** Frames held now (for tests of the memory bound). */
  get heldCount(): number {
    return this.kept.length + (this.latest && (this.total - 1) % this.stride !== 0 ? 1 : 0);
  }

  /** The `count` uniformly spaced frames over everything pushed (shared, not copied, when repeated), with the index of the frame each one is. */
  sample(): SampledFrame[] {
    if (this.total === 0 || !this.latest) return [];
    const lastIndex = this.total - 1;
    const latest = this.latest;
    return uniformIndices(this.total, this.count).map((t) => {
      const k = Math.min(this.kept.length - 1, Math.round(t / this.stride));
      return Math.abs(lastIndex - t) < Math.abs(k * this.stride - t) ? { index: lastIndex, image: latest } : { index: k * this.stride, image: this.kept[k] };
    });
  }
}

/**
 * Bounded restarts after crashes: at most `maxRestarts` within `windowMs`, so a server that
 * dies on start (a broken model, a missing native library) does not loop forever. Pure, so it
 * is unit-tested without VS Code.
 */
export class RestartPolicy {
  private crashes: number[] = [];

  constructor(
    readonly maxRestarts = 3,
    readonly windowMs = 3 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a crash; true when one more automatic restart is allowed. */
  recordCrash(): boolean {
    const t = this.now();
    this.crashes = this.crashes.filter((c) => t - c < this.windowMs);
    this.crashes.push(t);
    return this.crashes.length <= this.maxRestarts;
  }

  /** A manual restart (the command) starts a fresh budget. */
  reset(): void {
    this.crashes = [];
  }
}

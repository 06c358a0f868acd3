import { Transform, TransformCallback } from 'node:stream';

/**
 * Checks the framing of a JSON-RPC byte stream (LSP base protocol: `Content-Length: N\r\n\r\n`
 * then N bytes) as it passes, without changing it. vscode-jsonrpc's reader waits for ever on
 * binary noise (it looks for the end of a header that never comes, buffering without limit) and,
 * after a header without Content-Length, reads the body as the next header: a live but silent
 * server. Such a stream has no point to resynchronise on, so the guard names the problem and the
 * server exits (see serverMain.ts); the extension restarts it.
 */

export interface FramingLimits {
  /** Longest header block: real ones are under 100 bytes. */
  maxHeaderBytes: number;
  /** Largest message body (a request's params, steering vectors included, are far smaller). */
  maxMessageBytes: number;
}

export const FRAMING_LIMITS: FramingLimits = { maxHeaderBytes: 8 * 1024, maxMessageBytes: 64 * 1024 ** 2 };

const HEADER_END = Buffer.from('\r\n\r\n');

/** The framing state: push bytes, get back the first problem (then stop feeding it). */
export class FrameScanner {
  private header = Buffer.alloc(0);
  /** Body bytes still to come; -1 while reading a header. */
  private bodyLeft = -1;

  constructor(private readonly limits: FramingLimits = FRAMING_LIMITS) {}

  /** True between messages (nothing partial is pending). */
  get atBoundary(): boolean {
    return this.bodyLeft === -1 && this.header.length === 0;
  }

  push(chunk: Buffer): string | undefined {
    let off = 0;
    while (off < chunk.length) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, chunk.length - off);
        this.bodyLeft -= take;
        off += take;
        if (this.bodyLeft === 0) this.bodyLeft = -1;
        continue;
      }
      // Header bytes: keep at most the header limit plus the terminator.
      const rest = chunk.subarray(off);
      const joined = Buffer.concat([this.header, rest]);
      const end = joined.indexOf(HEADER_END);
      if (end < 0) {
        if (joined.length > this.limits.maxHeaderBytes) return `${joined.length} bytes arrived without the blank line that ends a header (more than the ${this.limits.maxHeaderBytes} a header may take): this is not the JSON-RPC base protocol`;
        this.header = joined;
        return undefined;
      }
      if (end > this.limits.maxHeaderBytes) return `a header of ${end} bytes, more than the ${this.limits.maxHeaderBytes} a header may take`;
      const problem = this.readHeader(joined.subarray(0, end).toString('latin1'));
      if (problem) return problem;
      off += end + HEADER_END.length - this.header.length;
      this.header = Buffer.alloc(0);
      if (this.bodyLeft === 0) this.bodyLeft = -1;
    }
    return undefined;
  }

  private readHeader(text: string): string | undefined {
    let length: number | undefined;
    for (const line of text.split('\r\n')) {
      const m = /^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*)$/.exec(line);
      if (!m) return `a header line ${JSON.stringify(line.slice(0, 80))} is not "Name: value"`;
      if (m[1].toLowerCase() !== 'content-length') continue;
      if (!/^\d{1,12}$/.test(m[2].trim())) return `Content-Length ${JSON.stringify(m[2].slice(0, 40))} is not a whole number of bytes`;
      length = Number(m[2].trim());
    }
    if (length === undefined) return `a header without Content-Length (${JSON.stringify(text.slice(0, 80))})`;
    if (length > this.limits.maxMessageBytes) return `Content-Length ${length}, more than the ${this.limits.maxMessageBytes} bytes a message may take`;
    this.bodyLeft = length;
    return undefined;
  }
}

/**
 * A pass-through stream that checks framing with FrameScanner and calls `onBroken` once, with
 * the reason, when the stream is out of step or a message stays incomplete for `stallMs` (a
 * Content-Length larger than what was sent: both sides would otherwise wait for ever).
 */
export class FramingGuard extends Transform {
  private readonly scanner: FrameScanner;
  private stallTimer: NodeJS.Timeout | undefined;
  private broken = false;

  constructor(
    private readonly onBroken: (why: string) => void,
    private readonly stallMs = 10_000,
    limits: FramingLimits = FRAMING_LIMITS,
  ) {
    super();
    this.scanner = new FrameScanner(limits);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.broken) return done();
    const problem = this.scanner.push(chunk);
    if (problem) return this.fail(problem, done);
    clearTimeout(this.stallTimer);
    if (!this.scanner.atBoundary) {
      this.stallTimer = setTimeout(() => this.fail(`a message stayed incomplete for ${this.stallMs / 1000} s (its Content-Length is more than what was sent)`), this.stallMs);
      this.stallTimer.unref();
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    clearTimeout(this.stallTimer);
    done();
  }

  private fail(why: string, done?: TransformCallback): void {
    this.broken = true;
    clearTimeout(this.stallTimer);
    done?.();
    this.onBroken(why);
  }
}

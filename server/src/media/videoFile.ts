import * as path from 'node:path';
import type { FrameTime } from '../../../protocol/requests';
import type { RgbImage } from '../scenes/renderScene';
import { checkMediaFile } from './fileChecks';
import { parseProbe, relevantLine, resolveFfmpegPath, runFfmpeg } from './ffmpegProcess';
import { FrameCollector } from './frameSampling';
import { MediaError } from './mediaError';
import { MAX_HELD_FRAME_BYTES, MAX_NATIVE_FRAME_PIXELS, MAX_VIDEO_SOURCE_PIXELS, fitWithin, megapixels } from './mediaLimits';

/**
 * Video file (MP4, WebM, MOV, MKV, animated GIF) -> `count` RGB frames sampled uniformly over the
 * whole clip, decoded by the bundled ffmpeg. Two runs: `ffmpeg -i` to read the size, frame rate
 * and duration from its stderr, then a decode to raw rgb24 on a pipe, at a fixed output size so
 * the byte stream splits into frames exactly.
 *
 * Sampling: indices round(linspace(0, N - 1, count)) over all N decoded frames (see
 * uniformIndices), as HF video processors do; a clip shorter than `count` repeats frames.
 *
 * Memory: frames are held until the end, because N is only known then. When the probe says the
 * clip would need more than `maxBytes` (default 1 GiB) at the output size, ffmpeg's fps filter
 * thins it evenly in time before it reaches the pipe (each pick is then within half a thinned
 * period of the exact uniform index), and `sourceFrameCount` is the probe's estimate (frame rate
 * x duration). When the probe cannot tell (no duration, e.g. GIF), the
 * collector halves what it keeps instead, so memory stays bounded either way. Frames larger than
 * 8K are refused from the probe, frames decoded at their own size are scaled down by ffmpeg to
 * MAX_NATIVE_FRAME_PIXELS, and no request may need more than MAX_HELD_FRAME_BYTES of frames
 * (mediaLimits.ts): a tiny file declaring huge frames cannot exhaust memory.
 */

export interface VideoLoadOptions {
  /**
   * Output frame size; default the size the video displays at (rotation metadata applied), scaled
   * down to MAX_NATIVE_FRAME_PIXELS when larger.
   */
  size?: { width: number; height: number };
  /** Limit for probing and decoding together (default 60 s); the ffmpeg child is killed when it passes. */
  timeoutMs?: number;
  /** Memory budget for the decoded frames held before sampling (default and most 512 MiB). */
  maxBytes?: number;
  /** Another ffmpeg binary (default @ffmpeg-installer/ffmpeg's). */
  ffmpegPath?: string;
  /** Cancels the load: the ffmpeg child is killed and the load rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface LoadedVideo {
  frames: RgbImage[];
  /**
   * For each of `frames`, which frame of the video it is: its index (estimated from the probe
   * when the fps filter thinned the clip) and index / the stream's frame rate.
   */
  times: FrameTime[];
  /** Frames in the video (decoded count; the probe's estimate when the fps filter thinned it). */
  sourceFrameCount: number;
  /** From the container; null when it does not say (e.g. GIF). */
  durationSeconds: number | null;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_BYTES = MAX_HELD_FRAME_BYTES;
const MAX_SIDE = 16384;

function positiveInt(v: number, max: number): boolean {
  return Number.isInteger(v) && v >= 1 && v <= max;
}

function unreadable(file: string, stderr: string): MediaError {
  return new MediaError(
    'unreadableVideo',
    `${file} cannot be read as a video: ffmpeg says "${relevantLine(stderr)}". Check that it plays in a video player; if it does not, it is damaged or cut short. Re-export or convert it to MP4 (H.264) or WebM.`,
    file,
  );
}

export async function loadVideoFrames(file: string, count: number, opts: VideoLoadOptions = {}): Promise<LoadedVideo> {
  if (!positiveInt(count, 100_000)) throw new MediaError('invalidRequest', `Asked for ${count} frames of ${file}; ask for a whole number from 1.`, file);
  if (opts.size && !(positiveInt(opts.size.width, MAX_SIDE) && positiveInt(opts.size.height, MAX_SIDE))) {
    throw new MediaError('invalidRequest', `Frame size ${opts.size.width}x${opts.size.height} for ${file} is not valid; use whole numbers from 1 to ${MAX_SIDE}.`, file);
  }
  checkMediaFile(file, 'video');
  opts.signal?.throwIfAborted();
  const bin = resolveFfmpegPath(opts.ffmpegPath);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const remaining = () => Math.max(1, deadline - Date.now());
  // "file:" so names like "concat:a|b" or "http://x" are read as plain files, not ffmpeg protocols.
  const input = `file:${path.resolve(file)}`;

  const probeRun = await runFfmpeg(bin, ['-hide_banner', '-nostdin', '-i', input], { timeoutMs: remaining(), file });
  const probe = parseProbe(probeRun.stderr);
  if (!probe) {
    if (/^Input #0/m.test(probeRun.stderr)) {
      throw new MediaError('noFrames', `${file} opens but has no video stream (it may be audio only). Pick a file with video in it.`, file);
    }
    throw unreadable(file, probeRun.stderr);
  }

  if (probe.width * probe.height > MAX_VIDEO_SOURCE_PIXELS) {
    throw new MediaError(
      'tooLarge',
      `${file} has ${probe.width}x${probe.height} frames (${megapixels(probe.width * probe.height)}), more than the ${megapixels(MAX_VIDEO_SOURCE_PIXELS)} (8K) this server decodes. Scale it down first, e.g. ffmpeg -i in.mp4 -vf scale=1920:-2 out.mp4.`,
      file,
    );
  }
  const { width, height } = opts.size ?? fitWithin(probe.displayWidth, probe.displayHeight, MAX_NATIVE_FRAME_PIXELS);
  const frameBytes = width * height * 3;
  const budget = Math.min(opts.maxBytes ?? DEFAULT_MAX_BYTES, MAX_HELD_FRAME_BYTES);
  // The collector keeps at least 2 * count frames whatever the budget: refuse what cannot fit.
  if (2 * count * frameBytes > MAX_HELD_FRAME_BYTES) {
    throw new MediaError('invalidRequest', `${count} frames of ${width}x${height} from ${file} need ${Math.ceil((2 * count * frameBytes) / 1024 ** 2)} MB while sampling, more than the ${MAX_HELD_FRAME_BYTES / 1024 ** 2} MB allowed: ask for fewer frames or a smaller frame size.`, file);
  }
  const filters: string[] = [];
  let estimatedFrames: number | null = null;
  // frames per second of the stream that reaches the pipe: the clip's own, or the fps filter's
  let pipeFps = probe.fps;
  if (probe.fps !== null && probe.durationSeconds !== null) {
    const estimate = Math.round(probe.fps * probe.durationSeconds);
    // Leave headroom below the budget so the collector rarely needs to thin as well.
    const cap = Math.max(2 * count, Math.floor((0.9 * budget) / frameBytes));
    if (estimate > cap) {
      const durationMs = Math.max(1, Math.round(probe.durationSeconds * 1000));
      filters.push(`fps=${cap * 1000}/${durationMs}`);
      pipeFps = (cap * 1000) / durationMs;
      estimatedFrames = estimate;
    }
  }
  // Always scale to an explicit size: the pipe carries no frame boundaries, so its size must be known.
  filters.push(`scale=${width}:${height}`);

  const collector = new FrameCollector(count, frameBytes, budget);
  // The pipe has no frame boundaries: cut it every frameBytes, into a fresh buffer per frame.
  let current = Buffer.allocUnsafeSlow(frameBytes);
  let filled = 0;
  const onStdout = (chunk: Buffer) => {
    // throwing here kills the ffmpeg child (runFfmpeg), so a cancel stops the decode within a chunk
    opts.signal?.throwIfAborted();
    let off = 0;
    while (off < chunk.length) {
      const take = Math.min(frameBytes - filled, chunk.length - off);
      chunk.copy(current, filled, off, off + take);
      filled += take;
      off += take;
      if (filled === frameBytes) {
        collector.push({ width, height, data: new Uint8Array(current.buffer, current.byteOffset, frameBytes) });
        current = Buffer.allocUnsafeSlow(frameBytes);
        filled = 0;
      }
    }
  };
  const args = [
    '-hide_banner', '-nostdin', '-v', 'error',
    '-i', input,
    // The first real video stream ("V" skips cover art), nothing else.
    '-map', '0:V:0', '-an', '-sn', '-dn',
    '-vf', filters.join(','),
    // Passthrough: one output frame per decoded frame, never duplicated for variable frame rates.
    '-vsync', '0',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  ];
  opts.signal?.throwIfAborted();
  const decodeRun = await runFfmpeg(bin, args, { timeoutMs: remaining(), file, onStdout });
  opts.signal?.throwIfAborted();
  if (decodeRun.code !== 0) {
    if (decodeRun.signal) throw new MediaError('unreadableVideo', `ffmpeg was stopped by ${decodeRun.signal} while decoding ${file}. Try again; if it repeats, convert the video to MP4 (H.264).`, file);
    throw unreadable(file, decodeRun.stderr);
  }
  if (filled !== 0) throw new MediaError('unreadableVideo', `ffmpeg ended ${file} with a partial ${width}x${height} frame (${filled} of ${frameBytes} bytes). Convert the video to MP4 (H.264) and try again.`, file);
  if (collector.frameCount === 0) {
    const why = decodeRun.stderr.trim() ? ` (ffmpeg says "${relevantLine(decodeRun.stderr)}")` : '';
    throw new MediaError('noFrames', `${file} has a video stream but no frames could be decoded from it${why}. It may be cut short: re-export it.`, file);
  }
  const sampled = collector.sample();
  const sourceFps = probe.fps;
  const times = sampled.map(({ index }): FrameTime => {
    const seconds = pipeFps ? index / pipeFps : null;
    // a thinned stream's index k is about source frame k * sourceFps / pipeFps
    return { index: seconds !== null && sourceFps && pipeFps !== sourceFps ? Math.round(seconds * sourceFps) : index, seconds };
  });
  return {
    frames: sampled.map((f) => f.image),
    times,
    sourceFrameCount: estimatedFrames ?? collector.frameCount,
    durationSeconds: probe.durationSeconds,
  };
}

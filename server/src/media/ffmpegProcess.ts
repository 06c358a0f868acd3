import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { MediaError } from './mediaError';

/**
 * Running the bundled ffmpeg binary: spawned directly with an argument array (no shell, so file
 * names are never interpreted), killed on timeout or when the caller aborts, and always waited
 * for ('close') before the promise settles, so no child outlives a call or is left a zombie.
 */

/** The static binary from @ffmpeg-installer/ffmpeg, or a clear error when it is not installed. */
export function resolveFfmpegPath(override?: string): string {
  let bin = override;
  if (bin === undefined) {
    try {
      // The package throws when no binary exists for this platform/architecture.
      bin = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    } catch (e) {
      throw new MediaError('ffmpegMissing', `Video needs ffmpeg, but @ffmpeg-installer/ffmpeg could not provide it (${(e as Error).message}). Reinstall the extension's dependencies (npm install) on a supported platform.`);
    }
  }
  if (!fs.existsSync(bin)) {
    throw new MediaError('ffmpegMissing', `Video needs ffmpeg, but there is no ffmpeg binary at ${bin}. Reinstall the extension's dependencies (npm install).`);
  }
  try {
    // The package's postinstall only runs `chmod u+x`; an install that skipped install scripts
    // keeps the tarball's mode, so say how to mend a binary that lost its execute bit.
    fs.accessSync(bin, fs.constants.X_OK);
  } catch {
    throw new MediaError('ffmpegMissing', `Video needs ffmpeg, but ${bin} is not executable. Run \`chmod u+x ${bin}\`, or reinstall with install scripts allowed for @ffmpeg-installer (npm install).`);
  }
  return bin;
}

export interface FfmpegRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

export interface FfmpegRunOptions {
  timeoutMs: number;
  /** The media file, for error messages. */
  file: string;
  /** Called with each stdout chunk; throwing aborts the run (the child is killed) with that error. */
  onStdout?: (chunk: Buffer) => void;
}

const STDERR_KEEP = 256 * 1024; // the probe header and first errors are at the start

export function runFfmpeg(bin: string, args: readonly string[], opts: FfmpegRunOptions): Promise<FfmpegRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', opts.onStdout ? 'pipe' : 'ignore', 'pipe'], shell: false, windowsHide: true });
    let stderr = '';
    let failure: Error | null = null;
    let settled = false;
    const abort = (err: Error) => {
      if (failure) return;
      failure = err;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      abort(new MediaError('timeout', `ffmpeg took longer than ${Math.round(opts.timeoutMs / 1000)} s on ${opts.file}, so it was stopped. Try a shorter or smaller video (e.g. trim or downscale it), or allow a longer timeout.`, opts.file));
    }, opts.timeoutMs);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      if (stderr.length < STDERR_KEEP) stderr += s;
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      if (failure) return;
      try {
        opts.onStdout?.(chunk);
      } catch (e) {
        abort(e as Error);
      }
    });
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      // Spawn failures ('close' may not follow); errors after spawn are followed by 'close'.
      if (child.pid !== undefined) return abort(e);
      finish(() => reject(new MediaError('ffmpegMissing', `Could not start ffmpeg at ${bin} (${e.code ?? e.message}). Reinstall the extension's dependencies (npm install).`, opts.file)));
    });
    child.on('close', (code, signal) => finish(() => (failure ? reject(failure) : resolve({ code, signal, stderr }))));
  });
}

/** The first stderr line that says what went wrong, without ffmpeg's "[demuxer @ 0x...]" address noise. */
export function relevantLine(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && l !== 'At least one output file must be specified');
  const pick = lines.find((l) => /error|invalid|not found|unsupported|could not|cannot|failed|no such|corrupt|truncated|unknown/i.test(l)) ?? lines[0] ?? 'no message';
  return pick.replace(/ @ 0x[0-9a-f]+\]/i, ']');
}

export interface VideoProbe {
  /** Stream size as stored; see displayWidth/displayHeight for what ffmpeg outputs after autorotation. */
  width: number;
  height: number;
  displayWidth: number;
  displayHeight: number;
  fps: number | null;
  durationSeconds: number | null;
}

/** Reads `ffmpeg -i FILE` stderr: "Duration: 00:00:01.20", "Stream #0:0: Video: ..., 96x96 ..., 25 fps", rotation. */
export function parseProbe(stderr: string): VideoProbe | null {
  const lines = stderr.split(/\r?\n/);
  // Cover art in audio files is an "(attached pic)" video stream: not a video.
  const at = lines.findIndex((l) => /Stream #\d+:\d+.*: Video: /.test(l) && !/attached pic/.test(l));
  if (at < 0) return null;
  const line = lines[at];
  // WxH preceded by ", " and followed by space/comma/end; codec tags like "0x31637661)" do not match.
  const size = /[ ,](\d+)x(\d+)(?=[ ,]|$)/.exec(line.slice(line.indexOf(': Video: ')));
  if (!size) return null;
  const width = Number(size[1]);
  const height = Number(size[2]);
  const fpsMatch = /, (\d+(?:\.\d+)?)(k?) fps/.exec(line) ?? /, (\d+(?:\.\d+)?)(k?) tbr/.exec(line);
  const fps = fpsMatch ? Number(fpsMatch[1]) * (fpsMatch[2] ? 1000 : 1) : null;
  const dur = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(stderr);
  const durationSeconds = dur ? Number(dur[1]) * 3600 + Number(dur[2]) * 60 + Number(dur[3]) : null;
  // Rotation metadata of this stream (the lines up to the next stream): ffmpeg autorotates, so a
  // quarter turn swaps the output size.
  let rotation = 0;
  for (let i = at + 1; i < lines.length && !/Stream #\d+:\d+/.test(lines[i]); i++) {
    const r = /rotate\s*:\s*(-?\d+)/.exec(lines[i]) ?? /rotation of (-?\d+(?:\.\d+)?) degrees/.exec(lines[i]);
    if (r) rotation = Math.round(Number(r[1]));
  }
  const quarter = Math.abs(rotation) % 180 === 90;
  return {
    width,
    height,
    displayWidth: quarter ? height : width,
    displayHeight: quarter ? width : height,
    fps: fps && Number.isFinite(fps) && fps > 0 ? fps : null,
    durationSeconds: durationSeconds !== null && durationSeconds > 0 ? durationSeconds : null,
  };
}

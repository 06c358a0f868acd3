import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RgbImage } from '../../src/scenes/renderScene';
import { resolveFfmpegPath } from '../../src/media/ffmpegProcess';

/**
 * For tests: media fixtures written at test time into a fresh temp folder (never the repo),
 * encoded by the bundled ffmpeg from frames we know, so decoded pixels can be checked.
 */

export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sil-media-'));
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Colours far apart in RGB and in YUV, so lossy codecs cannot turn one into another. */
export const PALETTE: ReadonlyArray<readonly [number, number, number]> = [
  [230, 30, 30], [30, 200, 30], [30, 30, 230], [230, 230, 30],
  [230, 30, 230], [30, 220, 220], [240, 240, 240], [15, 15, 15],
  [128, 128, 128], [240, 140, 20], [120, 20, 220], [20, 110, 60],
  [160, 90, 60], [90, 160, 200], [200, 170, 120], [60, 60, 120],
];

export function solidFrame(colour: readonly number[], width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(colour, i);
  return { width, height, data };
}

export function solidFrames(n: number, width = 96, height = 96): RgbImage[] {
  return Array.from({ length: n }, (_, i) => solidFrame(PALETTE[i % PALETTE.length], width, height));
}

export function meanColour(img: RgbImage): number[] {
  const sum = [0, 0, 0];
  for (let i = 0; i < img.data.length; i++) sum[i % 3] += img.data[i];
  return sum.map((s) => s / (img.width * img.height));
}

/** The PALETTE index closest to an image's mean colour. */
export function nearestPaletteIndex(img: RgbImage, paletteSize = PALETTE.length): number {
  const m = meanColour(img);
  let best = 0;
  let bestDist = Infinity;
  for (let i = 0; i < paletteSize; i++) {
    const d = PALETTE[i].reduce((acc, c, k) => acc + (c - m[k]) ** 2, 0);
    if (d < bestDist) [best, bestDist] = [i, d];
  }
  return best;
}

let encoders: Set<string> | null = null;

/** Video encoders this ffmpeg build has (static builds differ: libx264 may be left out). */
export function availableEncoders(): Set<string> {
  if (!encoders) {
    const out = execFileSync(resolveFfmpegPath(), ['-hide_banner', '-encoders'], { encoding: 'utf8' });
    encoders = new Set(out.split('\n').map((l) => /^ V\S* (\S+)/.exec(l)?.[1]).filter((e): e is string => !!e));
  }
  return encoders;
}

export type FixtureFormat = 'mp4' | 'webm' | 'mov' | 'mkv' | 'gif';

/** Encoder arguments per container: the best available codec, at high quality. Null when none exists. */
export function codecArgs(format: FixtureFormat): string[] | null {
  const has = availableEncoders();
  switch (format) {
    case 'mp4':
      if (has.has('libx264')) return ['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '10', '-pix_fmt', 'yuv420p'];
      return has.has('mpeg4') ? ['-c:v', 'mpeg4', '-q:v', '2', '-pix_fmt', 'yuv420p'] : null;
    case 'webm':
      if (has.has('libvpx')) return ['-c:v', 'libvpx', '-b:v', '2M', '-crf', '4', '-pix_fmt', 'yuv420p'];
      return has.has('libvpx-vp9') ? ['-c:v', 'libvpx-vp9', '-b:v', '0', '-crf', '10', '-pix_fmt', 'yuv420p'] : null;
    case 'mov':
      return has.has('mpeg4') ? ['-c:v', 'mpeg4', '-q:v', '2', '-pix_fmt', 'yuv420p'] : null;
    case 'mkv':
      // FFV1 in RGB is lossless, so decoded frames can be compared exactly.
      return has.has('ffv1') ? ['-c:v', 'ffv1', '-pix_fmt', 'bgr0'] : null;
    case 'gif':
      // A palette made from the frames keeps solid colours exact (the default 3-3-2 palette would not).
      return has.has('gif') ? ['-filter_complex', 'split[a][b];[a]palettegen[p];[b][p]paletteuse', '-c:v', 'gif'] : null;
  }
}

/** Encodes frames (all one size) into `file` at `fps`, with extra output args (e.g. metadata). */
export function encodeVideo(frames: RgbImage[], file: string, codec: string[], fps = 10, extra: string[] = []): void {
  const { width, height } = frames[0];
  const raw = Buffer.concat(frames.map((f) => Buffer.from(f.data.buffer, f.data.byteOffset, f.data.length)));
  execFileSync(
    resolveFfmpegPath(),
    ['-hide_banner', '-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0', ...codec, ...extra, file],
    { input: raw, stdio: ['pipe', 'ignore', 'pipe'] },
  );
}

/** Runs the bundled ffmpeg with arguments (for fixtures that are not frame encodes). */
export function ffmpeg(args: string[]): void {
  execFileSync(resolveFfmpegPath(), ['-hide_banner', '-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** ffmpeg processes that are children of this test process (Linux; [] elsewhere). */
export function childFfmpegPids(): number[] {
  if (process.platform !== 'linux') return [];
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').map((l) => l.trim().split(/\s+/)).filter((p) => p[1] === 'ffmpeg').map((p) => Number(p[0]));
}

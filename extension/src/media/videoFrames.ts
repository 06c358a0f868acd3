import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * Still frames of a video for the panel's frame strip: `count` frames spread evenly over the
 * clip (as the model samples them), written as PNGs once per file version under a cache folder
 * and reused. Uses the ffmpeg binary shipped in @ffmpeg-installer. Any failure returns [] and
 * the panel shows the server's error for the video instead.
 */
const TIMEOUT_MS = 60_000;

function ffmpegPath(): string {
  // Resolved at run time from node_modules inside the VSIX (kept out of the bundle).
  return (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), args, { stdio: ['ignore', 'ignore', 'pipe'], shell: false, windowsHide: true });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => (stderr = (stderr + s).slice(-64_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stderr);
      else reject(new Error(`ffmpeg exited with ${code}: ${stderr.split('\n').filter(Boolean).slice(-2).join(' ')}`));
    });
  });
}

/** round(linspace(0, total - 1, count)). */
export function evenlySpaced(total: number, count: number): number[] {
  if (count <= 1 || total <= 1) return Array.from({ length: Math.max(1, count) }, () => 0);
  return Array.from({ length: count }, (_, i) => Math.round((i * (total - 1)) / (count - 1)));
}

export async function extractFrames(file: string, count: number, cacheRoot: string): Promise<string[]> {
  try {
    const stat = await fs.stat(file);
    const key = createHash('sha256').update(`${file}\0${stat.size}\0${stat.mtimeMs}\0${count}`).digest('hex').slice(0, 24);
    const dir = path.join(cacheRoot, key);
    const names = Array.from({ length: count }, (_, i) => path.join(dir, `frame-${String(i).padStart(3, '0')}.png`));
    const cached = await Promise.all(names.map((n) => fs.access(n).then(() => true, () => false)));
    if (cached.every(Boolean)) return names;
    // Pass 1: count decoded frames (the container's count is often missing or wrong).
    const counted = await run(['-hide_banner', '-nostdin', '-i', file, '-map', '0:v:0', '-f', 'null', '-']);
    const total = Number([...counted.matchAll(/frame=\s*(\d+)/g)].pop()?.[1] ?? 0);
    if (!total) return [];
    // Pass 2: write the chosen frames (a frame picked twice is written twice, by copying).
    const picks = evenlySpaced(total, count);
    const unique = [...new Set(picks)];
    await fs.mkdir(dir, { recursive: true });
    const select = unique.map((n) => `eq(n\\,${n})`).join('+'); // no quotes: \, escapes the comma for the filtergraph parser
    await run(['-hide_banner', '-nostdin', '-y', '-i', file, '-map', '0:v:0', '-vf', `select=${select}`, '-vsync', '0', path.join(dir, 'u-%03d.png')]);
    for (let i = 0; i < count; i++) {
      await fs.copyFile(path.join(dir, `u-${String(unique.indexOf(picks[i]) + 1).padStart(3, '0')}.png`), names[i]);
    }
    return names;
  } catch {
    return [];
  }
}

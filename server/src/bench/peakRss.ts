import { spawn } from 'node:child_process';
import type { OnnxVariant } from '../model/modelFolder';
import { PROBE_SCRIPT, ProbeMode } from './rssProbe';

/**
 * Peak resident memory of the server's way of running a model (the instrumented ModelRunner,
 * capture all) against plain ORT sessions on the same files, each in a fresh child process
 * (rssProbe.ts), one after the other so they do not compete for memory. The instrumented graph
 * is read from the cache the timing runs filled, as a server finds it after its first load.
 */

export const RSS_TARGET = 1.3;

export interface PeakRss {
  plainBytes: number;
  runnerBytes: number;
  /** runner / plain. */
  ratio: number;
}

export interface RssOptions {
  variant?: OnnxVariant;
  threads: number;
  seed: number;
  cacheDir: string;
}

function probe(dir: string, mode: ProbeMode, opts: RssOptions): Promise<number> {
  const args = [PROBE_SCRIPT, '--dir', dir, '--mode', mode, '--threads', String(opts.threads), '--seed', String(opts.seed), '--cache-dir', opts.cacheDir];
  if (opts.variant) args.push('--variant', opts.variant);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`the ${mode} probe exited with ${code}: ${stderr.trim().split('\n').pop() ?? ''}`));
      try {
        resolve((JSON.parse(last) as { peakRssBytes: number }).peakRssBytes);
      } catch {
        reject(new Error(`the ${mode} probe printed no JSON line last (got "${last.slice(0, 200)}").`));
      }
    });
  });
}

export async function measurePeakRss(dir: string, opts: RssOptions): Promise<PeakRss> {
  const plainBytes = await probe(dir, 'plain', opts);
  const runnerBytes = await probe(dir, 'runner', opts);
  return { plainBytes, runnerBytes, ratio: runnerBytes / plainBytes };
}

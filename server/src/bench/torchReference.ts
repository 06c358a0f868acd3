import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The benchmark's Python side, run by Debian's /usr/bin/python3 (python3-torch, python3-onnx):
 * building the random ~100M-parameter model (models/tiny-spatial-vlm/bench_model.py) and timing
 * the PyTorch forward with hooks (bench_torch.py). Both print progress on stderr, passed through
 * so a slow export shows it is alive, and one JSON line last on stdout.
 */

/** Debian's interpreter by default; the variable points the bench at another one with torch + onnx (a venv). */
export const PYTHON = process.env.SPATIAL_ID_LENS_BENCH_PYTHON || '/usr/bin/python3';
export const MODEL_SCRIPTS = path.resolve(__dirname, '../../../../models/tiny-spatial-vlm');

/** Why the Python side cannot run, or null when it can. */
export function torchUnavailable(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, onnx, numpy'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} cannot be run (${probe.error.message}): install Debian's python3-torch and python3-onnx`;
  if (probe.status !== 0) {
    const last = probe.stderr.trim().split('\n').pop() ?? '';
    return `${PYTHON} lacks torch, onnx or numpy (${last}): install Debian's python3-torch and python3-onnx`;
  }
  return null;
}

/**
 * Debian's torch does its matrix products in OpenBLAS, whose pthread build sizes its own pool
 * from these variables, not from torch.set_num_threads: pin them so "1 thread" holds.
 */
function threadEnv(threads: number): Record<string, string> {
  const n = String(threads);
  return { OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
}

/** Runs a Python script (a path relative to MODEL_SCRIPTS, or absolute) and parses the last stdout line as JSON. */
export function runPython<T>(script: string, args: string[], threads: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [path.resolve(MODEL_SCRIPTS, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...threadEnv(threads) } });
    let stdout = '';
    let stderrTail = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      process.stderr.write(d);
      stderrTail = (stderrTail + d.toString()).slice(-2000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${script} exited with ${code}: ${stderrTail.trim().split('\n').pop() ?? ''}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${script} printed no JSON line last (got "${last.slice(0, 200)}").`));
      }
    });
  });
}

export interface BenchModel {
  dir: string;
  reused: boolean;
  params: { total: number; language_model: number; vision: number };
  config: Record<string, number>;
}

/** The random-weight ~100M model in `dir`, exported on first use (about a minute) and reused after. */
export function ensureBenchModel(dir: string, threads: number): Promise<BenchModel> {
  return runPython<BenchModel>('bench_model.py', ['--out', dir, '--threads', String(threads)], threads);
}

export const TORCH_VARIANTS = ['plain', 'capture_all', 'steer'] as const;
export type TorchVariant = (typeof TORCH_VARIANTS)[number];

export interface TorchTimings {
  torch: string;
  threads: number;
  params: number;
  variants: Record<TorchVariant, { total_ms: number[]; prefill_ms: number[]; cpu_ms: number[] }>;
  last_logits: Record<TorchVariant, number[]>;
}

export interface TorchInput {
  inputIds: number[];
  pixelValues: Float32Array;
  steer: { layer: number; position: number; vector: Float32Array };
}

const f32Bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength); // little-endian on every platform Node ships for

/** Times the PyTorch forward on exactly the ORT side's ids, pixels and steering vector (handed over in a temp folder). */
export async function timeTorch(weights: string, input: TorchInput, opts: { runs: number; warmup: number; threads: number }): Promise<TorchTimings> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sil-bench-'));
  try {
    fs.writeFileSync(path.join(dir, 'inputs.json'), JSON.stringify({ input_ids: input.inputIds, steer: { layer: input.steer.layer, position: input.steer.position } }));
    fs.writeFileSync(path.join(dir, 'pixel_values.f32'), f32Bytes(input.pixelValues));
    fs.writeFileSync(path.join(dir, 'steer_vector.f32'), f32Bytes(input.steer.vector));
    return await runPython<TorchTimings>('bench_torch.py', ['--weights', weights, '--inputs', dir, '--runs', String(opts.runs), '--warmup', String(opts.warmup), '--threads', String(opts.threads)], opts.threads);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

import * as path from 'node:path';
import type { OnnxVariant } from '../model/modelFolder';
import { MODEL_SCRIPTS, runPython } from './torchReference';

/**
 * Random-weight models at the sizes of real checkpoints, in the families' onnx-community layouts
 * (models/twins/make_bench_models.py): built once into the cache (minutes), reused after. Their
 * figures are what a user's machine sees on such a model; random weights change no timing.
 */

export const REAL_DIM_MODELS = {
  'smolvlm-256m': 'SmolVLM-256M-sized idefics3, fp32, random weights',
  'qwen2vl-2b-q4': 'Qwen2-VL-2B-sized qwen2_vl, q4 (MatMulNBits), random weights',
} as const;
export type RealDimModel = keyof typeof REAL_DIM_MODELS;

export interface RealDimBuild {
  dir: string;
  reused: boolean;
  variant: OnnxVariant;
  params: { total: number; language_model: number; vision: number };
}

interface BuildOutput {
  dir: string;
  reused: boolean;
  variant: OnnxVariant;
  /** Weights per session file (a q4 byte counts as two). */
  params: Record<string, number>;
}

const SCRIPT = path.join(MODEL_SCRIPTS, '..', 'twins', 'make_bench_models.py');

export async function ensureRealDimModel(name: RealDimModel, dir: string, threads: number): Promise<RealDimBuild> {
  const out = await runPython<BuildOutput>(SCRIPT, ['--model', name, '--out', dir, '--threads', String(threads)], threads);
  const sum = (match: (file: string) => boolean) => Object.entries(out.params).reduce((n, [f, k]) => n + (match(f) ? k : 0), 0);
  const vision = sum((f) => f.startsWith('vision_encoder'));
  const total = sum(() => true);
  return { dir: out.dir, reused: out.reused, variant: out.variant, params: { total, language_model: total - vision, vision } };
}

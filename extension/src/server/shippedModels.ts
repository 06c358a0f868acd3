import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The models the extension ships: the trained tiny-spatial-vlm and, beside it, its random-init
 * control (the same architecture and tokenizer with untrained weights: the baseline every
 * spatial-ID finding is checked against). Found by folder, so a build without the control
 * simply does not offer it.
 */
export interface ShippedModel {
  dir: string;
  /** 'control': the random-init baseline. */
  role: 'model' | 'control';
}

export const CONTROL_SUFFIX = '-random-init';

export function controlModelDir(bundledModelDir: string): string {
  return path.join(path.dirname(bundledModelDir), `${path.basename(bundledModelDir)}${CONTROL_SUFFIX}`);
}

/** The bundled model first, then its control when the folder holds one (a config.json). */
export function shippedModels(bundledModelDir: string, exists: (file: string) => boolean = fs.existsSync): ShippedModel[] {
  const control = controlModelDir(bundledModelDir);
  return [{ dir: bundledModelDir, role: 'model' }, ...(exists(path.join(control, 'config.json')) ? [{ dir: control, role: 'control' as const }] : [])];
}

/** The shipped models other than the bundled one (stored in experiment files by name, like it). */
export const otherShippedDirs = (bundledModelDir: string): string[] => shippedModels(bundledModelDir).filter((m) => m.role === 'control').map((m) => m.dir);

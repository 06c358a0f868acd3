import * as fs from 'node:fs';
import * as path from 'node:path';
import { outputSize, resize } from '../model/imagePreprocessor';
import { PreprocessorConfig, validatePreprocessor } from '../model/modelFolder';
import { packageRoot } from '../rpc/defaultModel';
import type { RgbImage } from '../scenes/renderScene';
import { CANVAS_SIZE } from '../scenes/vocabulary';

/**
 * Widened scenes are drawn at their own canvas size; the training export stores them as the
 * bundled model's input shows them: resized by the bundled model's own preprocessor step
 * (model/imagePreprocessor.ts `resize`, the code path a user's picture takes), never a second
 * resize of our own.
 */

export const BUNDLED_MODEL_DIR = path.join(packageRoot(), 'models', 'tiny-spatial-vlm');

let cached: PreprocessorConfig | undefined;

/** The bundled model's preprocessor_config.json, checked to produce the dataset's CANVAS_SIZE square. */
export function bundledPreprocessor(dir = BUNDLED_MODEL_DIR): PreprocessorConfig {
  if (cached && dir === BUNDLED_MODEL_DIR) return cached;
  const file = path.join(dir, 'preprocessor_config.json');
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`Cannot read ${file} (${(e as Error).message}): the widened export resizes through the bundled model's preprocessor; restore the model folder or export --distribution classic.`);
  }
  const cfg = validatePreprocessor(raw, file);
  const out = outputSize(cfg);
  if (out.width !== CANVAS_SIZE || out.height !== CANVAS_SIZE) {
    throw new Error(`${file} resizes to ${out.width}x${out.height}, but the dataset's images are ${CANVAS_SIZE}x${CANVAS_SIZE} (scenes/vocabulary.ts CANVAS_SIZE): make the two agree.`);
  }
  if (dir === BUNDLED_MODEL_DIR) cached = cfg;
  return cfg;
}

/** A rendered canvas as the model's input: resized by the preprocessor (unchanged when already its size). */
export function toModelInput(image: RgbImage, cfg: PreprocessorConfig = bundledPreprocessor()): Promise<RgbImage> {
  return resize(image, cfg);
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { drawScene } from '../../src/dataset/trainingMixture';
import { leftRightQuestion } from '../../src/scenes/questions';
import { SeededRandom } from '../../src/scenes/random';
import { renderScene } from '../../src/scenes/renderScene';
import { SceneError, objectName } from '../../src/scenes/scene';
import { SHAPE_NAMES } from '../../src/scenes/vocabulary';

/**
 * For the server and CLI tests: a scene-engine picture written as PNG into a temp folder (never
 * the repo), with a left/right question about two of its objects, and the bundled model's
 * folder copied for tests that damage a model file.
 */

export const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const BUNDLED_MODEL = path.join(REPO_ROOT, 'models/tiny-spatial-vlm');

export interface SceneImage {
  file: string;
  question: string;
  answer: string;
  /** The two objects the question names, e.g. ["red circle", "blue square"]. */
  objects: [string, string];
  /** A shape word the question does not contain. */
  absentWord: string;
}

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `sil-${prefix}-`));
}

export async function writeSceneImage(dir: string, seed = 7): Promise<SceneImage> {
  for (let s = seed; s < seed + 1000; s++) {
    const scene = drawScene(new SeededRandom(s));
    for (let i = 0; i < scene.objects.length; i++) {
      for (let j = 0; j < scene.objects.length; j++) {
        if (i === j) continue;
        let qa;
        try {
          qa = leftRightQuestion(scene, i, j);
        } catch (e) {
          if (e instanceof SceneError) continue;
          throw e;
        }
        const img = await renderScene(scene);
        const file = path.join(dir, `scene-${s}.png`);
        await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toFile(file);
        const absentWord = SHAPE_NAMES.find((w) => !qa.question.includes(w))!;
        return { file, question: qa.question, answer: qa.answer, objects: [objectName(scene.objects[i]), objectName(scene.objects[j])], absentWord };
      }
    }
  }
  throw new Error('No scene with a left/right question in 1000 seeds.');
}

/** A copy of the bundled model's configs and ONNX files (not its PyTorch weights or logs). */
export function copyBundledModel(to: string): string {
  const keep = (src: string) => {
    const rel = path.relative(BUNDLED_MODEL, src);
    return rel === '' || rel === 'onnx' || rel.startsWith(`onnx${path.sep}`) || /\.json$/.test(rel);
  };
  fs.cpSync(BUNDLED_MODEL, to, { recursive: true, filter: keep });
  return to;
}

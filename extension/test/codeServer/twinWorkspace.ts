import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './testTools';

/**
 * A workspace for the family-twin end-to-end test, as a user with a downloaded model would have
 * it: copies of twin model folders under `models/` (never the fixtures themselves: the server
 * writes nothing there, but a test must not be able to), the twins' photo, and
 * `.vscode/settings.json` offering the twins to Select Model... by relative paths (resolved
 * against the workspace folder, as the setting documents). Used by familyTwin.e2e.ts.
 */

export const TWINS_DIR = path.join(REPO_ROOT, 'test/fixtures/twins');
export const TWIN_PHOTO = 'photo.png';

export interface TwinWorkspace {
  dir: string;
  /** Absolute folder of each copied twin, by its fixture name. */
  models: Record<string, string>;
  photo: string;
}

export function writeTwinWorkspace(dir: string, twins: readonly string[]): TwinWorkspace {
  const models: Record<string, string> = {};
  for (const name of twins) {
    const from = path.join(TWINS_DIR, name);
    if (!fs.existsSync(path.join(from, 'onnx/decoder_model_merged.onnx'))) {
      throw new Error(`No ${name} twin in ${from}: the twins are committed fixtures (models/twins/ writes them); restore test/fixtures/twins/${name}.`);
    }
    models[name] = path.join(dir, 'models', name);
    fs.cpSync(from, models[name], { recursive: true });
  }
  const photo = path.join(dir, TWIN_PHOTO);
  fs.copyFileSync(path.join(TWINS_DIR, TWIN_PHOTO), photo);
  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  const settings = {
    'spatialIds.modelPaths': twins.map((name) => `models/${name}`),
    // one onnxruntime thread: a twin's matrices are tiny, and on a shared CI machine more threads only contend
    'spatialIds.threads': 1,
  };
  fs.writeFileSync(path.join(dir, '.vscode/settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  return { dir, models, photo };
}

import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Where the package is installed and which model runs when a request names none: the bundled
 * model, or the folder in SPATIAL_ID_LENS_MODEL. Found by walking up to the package's own
 * package.json, so it holds for the compiled tree, a bundled build and an npx install alike.
 */

export const PACKAGE_NAME = 'spatial-id-lens';
export const MODEL_ENV = 'SPATIAL_ID_LENS_MODEL';

function readPackage(dir: string): { name?: string; version?: string } | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

export function packageRoot(from = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (readPackage(dir)?.name === PACKAGE_NAME) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package.json of ${PACKAGE_NAME} above ${from}: the package is installed incompletely.`);
  }
}

export function packageVersion(): string {
  return readPackage(packageRoot())?.version ?? '0.0.0';
}

export function defaultModelDir(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env[MODEL_ENV];
  return chosen ? path.resolve(chosen) : path.join(packageRoot(), 'models', 'tiny-spatial-vlm');
}

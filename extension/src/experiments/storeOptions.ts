import * as path from 'node:path';
import type { ExperimentFile, StoreOptions } from '../../../protocol/experiment';
import { otherShippedDirs } from '../server/shippedModels';

/**
 * How the editor writes experiments (Save experiment, Export Results...): shipped models by
 * name, the cache's banks (the model's default IDs, found again by its decoder hash) left out.
 */
export function editorStoreOptions(bundledModelDir: string, bankCacheRoot: string): StoreOptions {
  const cache = path.resolve(bankCacheRoot);
  return {
    bundledModelDir,
    otherBundledDirs: otherShippedDirs(bundledModelDir),
    isDefaultBank: (b: string) => path.resolve(b).startsWith(cache + path.sep),
  };
}

/** What was saved, counted from the file itself: its requests and the panel actions that made them. */
export function savedCounts(file: ExperimentFile): string {
  const steps = file.steps.length;
  const actions = file.ui?.actions?.length;
  const failed = file.steps.filter((s) => s.error).length;
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  return `${plural(steps, 'request')}${failed ? ` (${failed} failed, kept so a replay checks they fail the same way)` : ''}${actions !== undefined ? ` from ${plural(actions, 'panel action')}` : ''}`;
}

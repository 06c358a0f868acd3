import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The random-init control of a model: the untrained twin of the same architecture shipped beside
 * it as `<model>-random-init` (models/tiny-spatial-vlm-random-init in the VSIX), the CLI's
 * default `--baseline` too. A derivation given it reports the control's lattice beside the
 * model's; a model without a twin derives without one.
 */
export function randomInitBaseline(modelDir: string): { baseline: string } | Record<string, never> {
  const dir = path.resolve(modelDir).replace(/[\\/]+$/, '');
  if (dir.endsWith('-random-init')) return {};
  const twin = `${dir}-random-init`;
  return fs.existsSync(path.join(twin, 'config.json')) ? { baseline: twin } : {};
}

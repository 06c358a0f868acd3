import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { test } from 'node:test';
import { controlModelDir, shippedModels } from './shippedModels';

const BUNDLED = path.join('/ext', 'models', 'tiny-spatial-vlm');

test('the random-init control beside the bundled model is offered as the control', () => {
  assert.equal(controlModelDir(BUNDLED), path.join('/ext', 'models', 'tiny-spatial-vlm-random-init'));
  const withControl = shippedModels(BUNDLED, (f) => f === path.join('/ext', 'models', 'tiny-spatial-vlm-random-init', 'config.json'));
  assert.deepEqual(withControl, [
    { dir: BUNDLED, role: 'model' },
    { dir: path.join('/ext', 'models', 'tiny-spatial-vlm-random-init'), role: 'control' },
  ]);
  assert.deepEqual(shippedModels(BUNDLED, () => false), [{ dir: BUNDLED, role: 'model' }], 'a build without it does not offer it');
});

test('the repository ships the control (the VSIX carries models/)', () => {
  const repoBundled = path.resolve(__dirname, '../../../../models/tiny-spatial-vlm');
  assert.equal(shippedModels(repoBundled).at(-1)?.role, 'control');
});

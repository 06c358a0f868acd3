import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { affineFitR2 } from './regression';
import { assertClose } from '../../../test/support/mathTestFixtures';

test('affineFitR2 is 1 for an exact affine map, including rank-deficient features', () => {
  const features = [[0, 1], [1, 0], [2, 2], [3, 1], [1, 3]];
  const targets = features.map(([a, b]) => [2 * a - b + 4, 0.5 * b - 1]);
  assertClose(affineFitR2(features, targets), 1, 1e-10);
  // A duplicated feature column leaves the design singular; the SVD solve still fits exactly.
  assertClose(affineFitR2(features.map(([a]) => [a, a]), features.map(([a]) => [3 * a])), 1, 1e-10);
});

test('affineFitR2 pools residuals over outputs', () => {
  // Output 1 is fit exactly; output 2 does not depend on the feature (R² 0) with the same spread.
  const features = [[0], [1], [2], [3]];
  const targets = [[0, 1], [1, 0], [2, 0], [3, 1]];
  // SS_tot = 5 + 1; output 2 has SS_res = 1 (the fit is its mean, the feature explains nothing).
  assertClose(affineFitR2(features, targets), 1 - 1 / 6, 1e-12);
  assert.ok(Number.isNaN(affineFitR2(features, features.map(() => [2]))));
  assert.throws(() => affineFitR2(features, targets.slice(1)), /same non-zero number/);
});

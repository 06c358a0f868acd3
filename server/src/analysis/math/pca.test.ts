import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { pca } from './pca';
import { assertClose, combine, orthonormalBasis } from '../../../test/support/mathTestFixtures';
import { cosine, dot, norm } from './vectorOps';

// Columns 1-3 of the 8x8 Sylvester-Hadamard matrix: zero-mean, mutually orthogonal +-1 scores,
// so the data's principal axes and variances are known exactly.
const HADAMARD = Array.from({ length: 8 }, (_, r) =>
  [1, 2, 4].map((c) => (bitCount(r & c) % 2 === 0 ? 1 : -1)),
);
function bitCount(x: number): number {
  return x.toString(2).split('').filter((b) => b === '1').length;
}

function knownData(dim: number) {
  const directions = orthonormalBasis(dim, 3, 11);
  const scales = [3, 2, 1];
  const offset = Float64Array.from({ length: dim }, (_, i) => i * 0.5 - 1);
  const rows = HADAMARD.map((h) => combine(h.map((value, j) => value * scales[j]), directions, offset));
  return { directions, scales, offset, rows };
}

for (const dim of [3, 50]) {
  test(`pca recovers known directions and variances (dimension ${dim}, 8 rows)`, () => {
    const { directions, scales, offset, rows } = knownData(dim);
    const result = pca(rows, 3);
    const total = scales.reduce((a, s) => a + s * s, 0);
    result.explainedVarianceRatio.forEach((ratio, c) => assertClose(ratio, (scales[c] * scales[c]) / total, 1e-5, `ratio ${c}`));
    result.components.forEach((component, c) => {
      assertClose(norm(component), 1, 1e-9, `unit component ${c}`);
      assertClose(Math.abs(cosine(component, directions[c])), 1, 1e-5, `component ${c} direction`);
    });
    for (let i = 0; i < dim; i++) assertClose(result.mean[i], offset[i], 1e-5, `mean[${i}]`);
    // Projections are the known scores up to each component's sign.
    result.projections.forEach((row, r) => {
      assert.equal(row.length, 3);
      row.forEach((value, c) => {
        const sign = Math.sign(dot(result.components[c], directions[c]));
        assertClose(value, sign * HADAMARD[r][c] * scales[c], 1e-4, `projection ${r},${c}`);
      });
    });
  });
}

test('pca signs are deterministic and k is validated', () => {
  const { rows } = knownData(20);
  const first = pca(rows, 2);
  const again = pca(rows.map((r) => r.slice()), 2);
  assert.deepEqual(Array.from(first.components[0]), Array.from(again.components[0]));
  for (const component of first.components) {
    const largest = component.reduce((best, v) => (Math.abs(v) > Math.abs(best) ? v : best), 0);
    assert.ok(largest > 0);
  }
  assert.throws(() => pca(rows, 9), /between 1 and min/);
  assert.throws(() => pca(rows, 0), /between 1 and min/);
  assert.throws(() => pca([], 1), /no rows/);
});

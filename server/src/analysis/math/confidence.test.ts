import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { meanInterval, wilsonInterval } from './confidence';
import { assertClose } from '../../../test/support/mathTestFixtures';

test('Wilson interval matches a worked value and stays in [0, 1]', () => {
  // 8 of 10 at z = 1.96: the textbook Wilson interval is [0.4902, 0.9433].
  const w = wilsonInterval(8, 10);
  assert.equal(w.rate, 0.8);
  assertClose(w.low, 0.4902, 1e-4);
  assertClose(w.high, 0.9433, 1e-4);
  const none = wilsonInterval(0, 20);
  assert.equal(none.low, 0);
  assert.ok(none.high > 0.1 && none.high < 0.2, `0/20 upper bound ${none.high}`);
  const all = wilsonInterval(20, 20);
  assert.ok(all.high <= 1 && all.low > 0.8);
  const empty = wilsonInterval(0, 0);
  assert.ok(Number.isNaN(empty.rate));
  assert.deepEqual([empty.low, empty.high], [0, 1]);
  assert.throws(() => wilsonInterval(3, 2), /0 <= successes <= n/);
});

test('mean interval uses the sample standard deviation over sqrt(n)', () => {
  // values 1..5: mean 3, sample sd sqrt(2.5), se sqrt(0.5)
  const m = meanInterval([1, 2, 3, 4, 5]);
  assert.equal(m.mean, 3);
  assert.equal(m.n, 5);
  assertClose(m.high - m.mean, 1.96 * Math.sqrt(0.5), 1e-12);
  assertClose(m.mean - m.low, 1.96 * Math.sqrt(0.5), 1e-12);
  assert.deepEqual(meanInterval([4]), { mean: 4, low: 4, high: 4, n: 1 });
  assert.equal(meanInterval([1, NaN, 3]).n, 2);
  assert.ok(Number.isNaN(meanInterval([]).mean));
});

import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { RestartPolicy } from './restartPolicy';

test('allows maxRestarts crashes within the window, then refuses', () => {
  let t = 0;
  const policy = new RestartPolicy(3, 1000, () => t);
  assert.deepEqual([policy.recordCrash(), policy.recordCrash(), policy.recordCrash(), policy.recordCrash()], [true, true, true, false]);
});

test('crashes older than the window no longer count', () => {
  let t = 0;
  const policy = new RestartPolicy(2, 1000, () => t);
  policy.recordCrash();
  policy.recordCrash();
  t = 1500;
  assert.equal(policy.recordCrash(), true);
});

test('reset gives a fresh budget', () => {
  const policy = new RestartPolicy(1, 1000, () => 0);
  policy.recordCrash();
  assert.equal(policy.recordCrash(), false);
  policy.reset();
  assert.equal(policy.recordCrash(), true);
});

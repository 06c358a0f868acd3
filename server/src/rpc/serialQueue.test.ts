import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CancellationTokenSource } from 'vscode-languageserver';
import { CancelledError, SerialQueue } from './serialQueue';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

test('tasks run one at a time, in order, whatever the earlier ones did', async () => {
  const q = new SerialQueue();
  const log: string[] = [];
  const task = (name: string, fail = false) => async () => {
    log.push(`start ${name}`);
    await tick();
    log.push(`end ${name}`);
    if (fail) throw new Error(name);
    return name;
  };
  const results = await Promise.allSettled([q.run(task('a')), q.run(task('b', true)), q.run(task('c'))]);
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
});

test('a task cancelled while it waits is rejected at once and never started', async () => {
  const q = new SerialQueue();
  let release!: () => void;
  const first = q.run(() => new Promise<void>((r) => (release = r)));
  const source = new CancellationTokenSource();
  let started = false;
  const second = q.run(async () => {
    started = true;
  }, source.token);
  source.cancel();
  await assert.rejects(second, CancelledError);
  release();
  await first;
  await q.run(async () => undefined);
  assert.equal(started, false);
});

import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { CancellationTokenSource } from 'vscode-languageserver';
import type { ModelRunner } from '../run/modelRunner';
import { ModelHost } from './modelHost';
import { CancelledError } from '../run/cancellation';

/** The host's bookkeeping with stand-in runners (no onnxruntime): what is loaded, reused and released. */

interface FakeRunner {
  dir: string;
  disposed: boolean;
}

function fakeHost(failing: Set<string> = new Set()) {
  const made: FakeRunner[] = [];
  const host = new ModelHost({
    defaultModel: () => '/models/default',
    load: async (dir) => {
      if (failing.has(dir)) throw new Error(`cannot load ${dir}`);
      const r: FakeRunner = { dir, disposed: false };
      made.push(r);
      return { model: { folder: { dir } }, info: () => ({ dir }), dispose: async () => void (r.disposed = true) } as unknown as ModelRunner;
    },
  });
  return { host, made };
}

test('the default model is loaded on first use and reused while no other folder is named', async () => {
  const { host, made } = fakeHost();
  assert.equal(host.info(), null);
  const a = await host.runner();
  assert.equal(await host.runner(), a);
  assert.equal(await host.runner('/models/default/'), a, 'the same folder, spelt differently');
  assert.deepEqual(made.map((r) => r.dir), [path.resolve('/models/default')]);
});

test('a folder named by a request is borrowed for it: the loaded model stays, before and after', async () => {
  const { host, made } = fakeHost();
  const loaded = await host.runner();
  const other = await host.runner('/models/other');
  assert.notEqual(other, loaded);
  assert.equal(host.info()?.dir, path.resolve('/models/default'), 'naming a folder does not switch the model');
  assert.equal(await host.runner(), loaded, 'a request naming no model answers from the loaded one');
  assert.equal(await host.runner('/models/other/'), other, 'the last borrowed model is kept for the next request naming it');
  assert.deepEqual(made.map((r) => [r.dir, r.disposed]), [[path.resolve('/models/default'), false], [path.resolve('/models/other'), false]]);
  await host.runner('/models/third');
  assert.equal(made[1].disposed, true, 'one borrowed model at a time');
  assert.equal(host.info()?.dir, path.resolve('/models/default'));
});

test('loadModel switches the model and reads it afresh, releasing the old one and any borrowed one', async () => {
  const { host, made } = fakeHost();
  await host.runner();
  await host.runner('/models/other');
  await host.load('/models/other');
  assert.deepEqual(made.map((r) => [r.dir, r.disposed]), [[path.resolve('/models/default'), true], [path.resolve('/models/other'), true], [path.resolve('/models/other'), false]]);
  assert.equal(host.info()?.dir, path.resolve('/models/other'));
  assert.equal(await host.runner('/models/other'), await host.runner(), 'the loaded folder named again is the loaded model');
});

test('a named folder that fails to load leaves the loaded model in place, also with nothing loaded yet', async () => {
  const { host, made } = fakeHost(new Set([path.resolve('/models/broken')]));
  await assert.rejects(host.runner('/models/broken'), /cannot load/);
  assert.equal(host.info(), null, 'a failed borrowed load loads nothing');
  await host.runner();
  await assert.rejects(host.runner('/models/broken'), /cannot load/);
  assert.equal(host.info()?.dir, path.resolve('/models/default'));
  assert.equal(made[0].disposed, false);
  assert.equal((await host.runner()).info().dir, path.resolve('/models/default'));
});

test('a folder that fails to load, or a cancelled load, leaves the loaded model in place', async () => {
  const { host, made } = fakeHost(new Set([path.resolve('/models/broken')]));
  await host.runner();
  await assert.rejects(host.load('/models/broken'), /cannot load/);
  assert.equal(host.info()?.dir, path.resolve('/models/default'));
  assert.equal(made[0].disposed, false);
  const source = new CancellationTokenSource();
  const loading = host.load('/models/other', { token: source.token });
  source.cancel();
  await assert.rejects(loading, CancelledError);
  assert.equal(host.info()?.dir, path.resolve('/models/default'), 'a cancelled load changes nothing');
  assert.equal(made[1].disposed, true, 'and releases what it loaded');
  await host.dispose();
  assert.equal(made[0].disposed, true);
  assert.equal(host.info(), null);
});

test('disposing the host releases the loaded and the borrowed model', async () => {
  const { host, made } = fakeHost();
  await host.runner();
  await host.runner('/models/other');
  await host.dispose();
  assert.deepEqual(made.map((r) => r.disposed), [true, true]);
  assert.equal(host.info(), null);
});

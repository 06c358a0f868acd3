import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { CancellationTokenSource } from 'vscode-languageserver';
import type { ModelRunner } from '../run/modelRunner';
import { ModelHost } from './modelHost';
import { CancelledError } from './serialQueue';

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

test('naming another folder replaces the model and releases the old one; a reload reads it afresh', async () => {
  const { host, made } = fakeHost();
  await host.runner();
  await host.runner('/models/other');
  assert.deepEqual(made.map((r) => [r.dir, r.disposed]), [[path.resolve('/models/default'), true], [path.resolve('/models/other'), false]]);
  await host.load('/models/other');
  assert.deepEqual(made.map((r) => r.disposed), [true, true, false]);
  assert.equal(host.info()?.dir, path.resolve('/models/other'));
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

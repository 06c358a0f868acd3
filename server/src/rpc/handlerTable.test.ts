import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Connection } from 'vscode-languageserver/node';
import { CodedError, ErrorCodes } from '../../../protocol/errors';
import { METHOD_NAMES, rpcMethodOf } from '../../../protocol/methods';
import { commandNamed, COMMANDS } from '../cli/commands';
import { registerHandlers } from './handlerTable';
import { HANDLERS } from './handlers';
import type { ModelHost } from './modelHost';

/** The server's handler table and the CLI's commands are derived from the method registry (protocol/methods.ts). */

test('the server answers every registry operation under its RPC method, and the sweep under its deprecated name too', () => {
  const registered: string[] = [];
  const connection = { onRequest: (method: string) => registered.push(method) } as unknown as Connection;
  registerHandlers(HANDLERS, { connection, host: {} as ModelHost, log: () => undefined, logUnexpected: () => undefined });
  assert.deepEqual(registered, [...METHOD_NAMES.map((n) => rpcMethodOf(n)), 'spatialIds/patchSweep']);
  for (const name of METHOD_NAMES) assert.equal(HANDLERS[name].method, name, `${name}'s handler serves ${name}`);
});

test('the CLI names each analysis by its registry name in kebab case; patch-sweep still runs the sweep but is not listed', () => {
  for (const name of ['derive-ids', 'derive-tids', 'probe', 'steer', 'sweep-patches']) assert.ok(Object.hasOwn(COMMANDS, name), name);
  assert.ok(!Object.hasOwn(COMMANDS, 'patch-sweep'));
  assert.equal(commandNamed('patch-sweep'), COMMANDS['sweep-patches']);
  assert.equal(commandNamed('constructor'), undefined, 'no inherited property is a command');
  assert.equal(commandNamed('sweep'), undefined);
});

test('a derivation of objects the scene engine cannot draw is refused as the params are read, before the request waits for the model', () => {
  for (const name of ['deriveIds', 'deriveTids'] as const) {
    assert.throws(
      () => HANDLERS[name].parse!({ objects: ['red circle', 'mauve blob'] }),
      (e: unknown) => e instanceof CodedError && e.code === ErrorCodes.badQuestion && /Unknown object word "mauve blob"/.test(e.message),
      name,
    );
    assert.deepEqual(HANDLERS[name].parse!({ objects: ['red circle', 'blue square'] }), { objects: ['red circle', 'blue square'] });
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ANALYSIS_METHOD_NAMES, DEPRECATED_CLI_COMMANDS, DEPRECATED_RPC_METHODS, METHOD_NAMES, METHODS, WEBVIEW_METHOD_NAMES, cliCommandOf, methodOfCli, methodOfRpc, rpcMethodOf } from './methods';
import { PARAMS_SCHEMAS } from './requestSchemas';
import * as requests from './requests';
import { WEBVIEW_METHODS } from './webview';

test('each operation has one name, from which its RPC method and CLI command derive', () => {
  assert.equal(rpcMethodOf('sweepPatches'), 'spatialIds/sweepPatches');
  assert.equal(cliCommandOf('sweepPatches'), 'sweep-patches');
  assert.equal(cliCommandOf('deriveTids'), 'derive-tids');
  assert.equal(cliCommandOf('probe'), 'probe');
  for (const name of METHOD_NAMES) {
    assert.equal(methodOfRpc(rpcMethodOf(name)), name);
    assert.equal(methodOfCli(cliCommandOf(name)), name);
  }
  assert.equal(methodOfRpc('spatialIds/constructor'), undefined, 'no inherited property is a method');
  assert.equal(methodOfRpc('spatialIds/train'), undefined);
  assert.equal(methodOfCli('toString'), undefined);
});

test('every RequestType of the protocol is the RPC method of a registry entry, and each entry has one', () => {
  const methods = (Object.values(requests) as unknown[]).flatMap((v) => (typeof v === 'object' && v !== null && 'method' in v && typeof v.method === 'string' ? [v.method] : [])).sort();
  assert.deepEqual(methods, METHOD_NAMES.map((n) => rpcMethodOf(n)).sort());
});

test('the deprecated names of the sweep lead to sweepPatches, and to nothing else', () => {
  assert.equal(methodOfRpc('spatialIds/patchSweep'), 'sweepPatches');
  assert.equal(methodOfCli('patch-sweep'), 'sweepPatches');
  assert.deepEqual(Object.values(DEPRECATED_RPC_METHODS), ['sweepPatches']);
  assert.deepEqual(Object.values(DEPRECATED_CLI_COMMANDS), ['sweepPatches']);
});

test('the webview whitelist and the analyses are the flagged entries; cheap reads are not long-running', () => {
  assert.deepEqual(WEBVIEW_METHODS, ['spatialIds/forward', 'spatialIds/probe', 'spatialIds/steer', 'spatialIds/sweepPatches', 'spatialIds/flipMap']);
  assert.deepEqual(WEBVIEW_METHOD_NAMES.map(rpcMethodOf), WEBVIEW_METHODS);
  assert.deepEqual(ANALYSIS_METHOD_NAMES, ['deriveIds', 'deriveTids', 'probe', 'steer', 'sweepPatches']);
  assert.equal(METHODS.modelInfo.longRunning, false);
  assert.ok(!WEBVIEW_METHOD_NAMES.includes('loadModel' as never), 'the panel cannot load models');
});

test('every operation with params has its schema under its RPC method', () => {
  for (const name of METHOD_NAMES) {
    if (name === 'modelInfo') continue;
    assert.ok(Object.hasOwn(PARAMS_SCHEMAS, rpcMethodOf(name)), name);
  }
});

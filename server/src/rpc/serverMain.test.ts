import assert from 'node:assert/strict';
import { fork, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { CancellationTokenSource, IPCMessageReader, IPCMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { WorkDoneProgress, type WorkDoneProgressBegin, type WorkDoneProgressEnd, type WorkDoneProgressReport } from 'vscode-languageserver-protocol';
import { ErrorCodes } from '../../../protocol/errors';
import { serverProcessId } from '../../../protocol/initialize';
import { ForwardParams, forwardRequest, loadModelRequest, modelInfoRequest } from '../../../protocol/requests';
import { SERVER_MAIN, TestServer, requestError, startServer } from '../../test/support/rpcTestClient';
import { BUNDLED_MODEL, SceneImage, makeTempDir, writeSceneImage } from '../../test/support/sceneFixture';

/** The server over stdio with a plain JSON-RPC client: load, describe, run, progress, cancellation. */

const REQUEST_CANCELLED = -32800;
const METHOD_NOT_FOUND = -32601;
const present = fs.existsSync(path.join(BUNDLED_MODEL, 'onnx/decoder_model_merged.onnx'));
const skip = present ? false : 'no bundled model';

const tmp = makeTempDir('rpc');
let server: TestServer;
let scene: SceneImage;
before(async () => {
  scene = await writeSceneImage(tmp);
  server = await startServer({ XDG_CACHE_HOME: path.join(tmp, 'cache') });
});
after(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const forward = (extra: Partial<ForwardParams> = {}) =>
  server.connection.sendRequest(forwardRequest, { media: { image: scene.file }, question: scene.question, ...extra });

test('before any load, modelInfo answers null', async () => {
  assert.equal(await server.connection.sendRequest(modelInfoRequest), null);
});

test('loadModel reports progress under the client token and describes the model', { skip }, async () => {
  type Progress = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;
  const seen: Progress[] = [];
  const sub = server.connection.onProgress(WorkDoneProgress.type, 'load-1', (p) => seen.push(p));
  const info = await server.connection.sendRequest(loadModelRequest, { dir: BUNDLED_MODEL, threads: 1, workDoneToken: 'load-1' });
  await new Promise((r) => setTimeout(r, 50)); // the end notification is written before the response, but let it arrive
  sub.dispose();
  assert.equal(info.numLayers, 6);
  assert.equal(info.hiddenSize, 128);
  assert.equal(info.sites.length, 7);
  assert.deepEqual(info.sites.map((s) => s.name), [...[0, 1, 2, 3, 4, 5].map((l) => `blocks.${l}.hook_resid_pre`), 'blocks.5.hook_resid_post']);
  assert.deepEqual(info.sites.map((s) => s.layer), [0, 1, 2, 3, 4, 5, 6], 'residual layers keep their numbers');
  assert.deepEqual(seen.map((p) => p.kind), ['begin', 'report', 'end']);
  assert.equal((seen[0] as WorkDoneProgressBegin).title, 'Loading the model');
  assert.equal((seen[1] as WorkDoneProgressReport).percentage, 100);
  assert.deepEqual(await server.connection.sendRequest(modelInfoRequest), info);
});

test('forward on a rendered scene answers with log-probabilities, tokens and the captured residuals', { skip }, async () => {
  const r = await forward({ capture: { layers: [0, 6], positions: { words: scene.objects } } });
  assert.ok(['left', 'right'].includes(r.answer), r.answer);
  assert.deepEqual(Object.keys(r.logprobs).sort(), ['left', 'right']);
  for (const lp of Object.values(r.logprobs)) assert.ok(lp <= 0 && Number.isFinite(lp));
  assert.equal(r.tokens.filter((t) => t.kind === 'image').length, 16);
  r.tokens.forEach((t, i) => assert.equal(t.position, i));
  assert.deepEqual(Object.keys(r.hidden).sort(), ['0', '6']);
  const positions = Object.keys(r.hidden['6']).map(Number);
  assert.equal(positions.length, 2);
  // each named object's token is its shape word, the last sub-token of "colour shape"
  assert.deepEqual(positions.map((p) => r.tokens[p].text), scene.objects.map((o) => o.split(' ')[1]));
  for (const p of positions) assert.equal(r.hidden['0'][p].length, 128);
});

test('a steering vector moves the log-probabilities; a zero vector does not', { skip }, async () => {
  const base = await forward();
  const zero = await forward({ interventions: [{ kind: 'add', layer: 3, positions: 'media', vector: new Array(128).fill(0) }] });
  assert.deepEqual(zero.logprobs, base.logprobs);
  const pushed = await forward({ interventions: [{ kind: 'add', layer: 3, positions: 'all', vector: new Array(128).fill(5) }] });
  assert.notDeepEqual(pushed.logprobs, base.logprobs);
});

test('cancelled requests, running or queued, answer RequestCancelled and the next one runs', { skip }, async () => {
  const running = new CancellationTokenSource();
  const queued = new CancellationTokenSource();
  const first = server.connection.sendRequest(forwardRequest, { media: { image: scene.file }, question: scene.question }, running.token);
  const second = server.connection.sendRequest(forwardRequest, { media: { image: scene.file }, question: scene.question }, queued.token);
  const third = forward();
  running.cancel();
  queued.cancel();
  // handlers on all three at once: the queued one is answered first
  const [e1, e2, r3] = await Promise.all([requestError(first), requestError(second), third]);
  assert.equal(e1.code, REQUEST_CANCELLED);
  assert.equal(e2.code, REQUEST_CANCELLED);
  assert.ok(['left', 'right'].includes(r3.answer));
});

test('a malformed request is refused with a code and the server carries on', { skip }, async () => {
  const noMedia = await requestError(server.connection.sendRequest(forwardRequest, { question: scene.question } as ForwardParams));
  assert.equal(noMedia.code, ErrorCodes.badRequest);
  assert.match(noMedia.message, /media must be \{"image": file\} or \{"video": file\}/);
  const unknown = await requestError(server.connection.sendRequest('spatialIds/noSuchThing', {}));
  assert.equal(unknown.code, METHOD_NOT_FOUND);
  assert.ok(['left', 'right'].includes((await forward()).answer));
});

test("the extension's transport, node IPC, serves the same requests", async () => {
  const child = fork(SERVER_MAIN, ['--node-ipc'], { silent: true, env: { ...process.env, XDG_CACHE_HOME: path.join(tmp, 'cache') } });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  connection.listen();
  try {
    const init = await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../../package.json'), 'utf8'));
    assert.deepEqual((init as { serverInfo: unknown }).serverInfo, { name: 'spatial-id-lens', version });
    assert.equal(serverProcessId(init), child.pid, 'the server reports its own process id (the extension reads it from initializeResult)');
    assert.equal(await connection.sendRequest(modelInfoRequest), null);
    await connection.sendRequest('shutdown');
    await connection.sendNotification('exit');
    assert.equal(await exited, 0);
  } finally {
    connection.dispose();
    if (child.exitCode === null) child.kill();
  }
});

test('without --stdio or --node-ipc, or with a socket or pipe, the server refuses to start', () => {
  for (const args of [[], ['--socket=6009'], ['--pipe', 'x', '--stdio']]) {
    const r = spawnSync(process.execPath, [SERVER_MAIN, ...args], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /^spatial-id-lens server: (start it with --stdio|it talks over --stdio or node IPC only)/);
  }
});

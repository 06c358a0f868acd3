import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { ForwardResult, modelInfoRequest } from '../../../protocol/requests';
import { assertServesAsBefore, forwardScene, within } from '../../test/support/fuzzFixture';
import { SERVER_MAIN, TestServer, requestError, startServer } from '../../test/support/rpcTestClient';
import { BUNDLED_MODEL, SceneImage, makeTempDir, writeSceneImage } from '../../test/support/sceneFixture';
import { FrameScanner, FramingGuard } from './streamFraming';

/**
 * Raw protocol garbage on the server's stdin. A stream whose framing is broken cannot be
 * resynchronised, so the server must exit with code 3 and a clear log line (never stay alive and
 * silent); garbage inside well-framed messages is answered or ignored and the server keeps
 * serving. Requests after shutdown are refused; exit ends the process.
 */

const present = fs.existsSync(path.join(BUNDLED_MODEL, 'onnx/decoder_model_merged.onnx'));
const skip = present ? false : 'no bundled model';
const INVALID_REQUEST = -32600;
const METHOD_NOT_FOUND = -32601;

const tmp = makeTempDir('rpc-garbage');
let scene: SceneImage;
let reference: ForwardResult;
const outcomes = { exited: 0, recovered: 0 };
before(async () => {
  scene = await writeSceneImage(tmp);
  if (!present) return;
  const server = await startServer({ XDG_CACHE_HOME: path.join(tmp, 'cache') });
  reference = await forwardScene(server, scene);
  await server.close();
});
after(() => {
  console.log(`protocol garbage: ${outcomes.exited + outcomes.recovered} cases, ${outcomes.exited} exited with code 3 and a log line, ${outcomes.recovered} recovered and kept serving`);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const frame = (body: string | Buffer) => Buffer.concat([Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`), Buffer.from(body)]);

test('the scanner follows framing across any chunking, and names broken framing', () => {
  const messages = Buffer.concat([frame('{"a":1}'), frame(''), frame('{"b":"\\r\\n\\r\\n"}'), Buffer.from('Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}')]);
  for (const size of [1, 2, 3, 7, 64, messages.length]) {
    const scanner = new FrameScanner();
    for (let i = 0; i < messages.length; i += size) assert.equal(scanner.push(messages.subarray(i, i + size)), undefined, `chunks of ${size}`);
    assert.ok(scanner.atBoundary, `chunks of ${size} end between messages`);
  }
  const broken: Array<[Buffer, RegExp]> = [
    [Buffer.from('Content-Type: x\r\n\r\n{}'), /a header without Content-Length/],
    [Buffer.from('Content-Length: twelve\r\n\r\n'), /Content-Length "twelve" is not a whole number/],
    [Buffer.from('{"jsonrpc":"2.0"}\r\n\r\n'), /is not "Name: value"/],
    [Buffer.from('Content-Length: 99999999999\r\n\r\n'), /more than the \d+ bytes a message may take/],
    [Buffer.alloc(20_000, 0xab), /without the blank line that ends a header/],
  ];
  for (const [bytes, pattern] of broken) assert.match(new FrameScanner().push(bytes) ?? 'accepted', pattern);
});

test('a message that stays incomplete is reported after the stall time', async () => {
  const why = await within(5_000, 'the stall report', new Promise<string>((resolve) => {
    const guard = new FramingGuard(resolve, 200);
    guard.resume();
    guard.write(Buffer.from('Content-Length: 100\r\n\r\n{"jsonrpc"'));
  }));
  assert.match(why, /stayed incomplete for 0\.2 s/);
});

/** A bare server process fed bytes by hand. */
function rawServer(): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [SERVER_MAIN, '--stdio'], { env: { ...process.env, XDG_CACHE_HOME: path.join(tmp, 'cache') }, stdio: ['pipe', 'pipe', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  child.stdout!.resume();
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stderr: () => log, exit };
}

const initialize = frame(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } }));

const brokenStreams: Array<[string, Buffer, RegExp]> = [
  ['binary noise', Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919 + 13) % 256)), /without the blank line that ends a header|is not "Name: value"/],
  ['a header without Content-Length', Buffer.from('Content-Type: application/json\r\n\r\n{"jsonrpc":"2.0","id":2,"method":"shutdown"}'), /a header without Content-Length/],
  ['a Content-Length that is not a number', Buffer.from('Content-Length: -5\r\n\r\n{}'), /Content-Length "-5" is not a whole number/],
  ['a body that is not JSON', frame('{"jsonrpc": "2.0", "id": 2, "method": '), /a message could not be read/],
  ['a body of binary noise', frame(Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x7b])), /a message could not be read/],
  ['JSON with no header at all', Buffer.from('{"jsonrpc":"2.0","id":2,"method":"spatialIds/modelInfo"}\r\n\r\n'), /is not "Name: value"/],
];

for (const [name, bytes, reason] of brokenStreams) {
  test(`${name}: the server exits with code 3 and says why`, async () => {
    const s = rawServer();
    s.child.stdin!.write(Buffer.concat([initialize, bytes]));
    const code = await within(15_000, `the exit after ${name}`, s.exit);
    assert.equal(code, 3, s.stderr());
    assert.match(s.stderr(), /The input stream broke the JSON-RPC framing: /);
    assert.match(s.stderr(), reason);
    assert.match(s.stderr(), /the client should restart it/);
    outcomes.exited++;
  });
}

test('after a broken stream, a new server answers as before', { skip }, async () => {
  const server = await startServer({ XDG_CACHE_HOME: path.join(tmp, 'cache') });
  try {
    await assertServesAsBefore(server, scene, reference, 'a restart');
  } finally {
    await server.close();
  }
});

/** Well-framed JSON that is not a valid request: answered with an error or ignored, never fatal. */
test('well-framed garbage is answered or ignored, and the server keeps serving', { skip }, async () => {
  const server: TestServer = await startServer({ XDG_CACHE_HOME: path.join(tmp, 'cache') });
  try {
    const cases: unknown[] = [
      [1, 2, 3],
      { foo: 'bar' },
      'just a string',
      42,
      null,
      { jsonrpc: '2.0', id: 77, method: 'spatialIds/noSuchMethod', params: {} },
      { jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 'never-sent' } },
      { jsonrpc: '2.0', id: 78, result: 'a response nobody asked for' },
      { jsonrpc: '2.0', method: 'spatialIds/forward', params: { media: 5 } },
    ];
    const stdin = server.child.stdin!;
    for (const c of cases) stdin.write(frame(JSON.stringify(c)));
    const e = await requestError(server.connection.sendRequest('spatialIds/noSuchMethod', {}));
    assert.equal(e.code, METHOD_NOT_FOUND);
    await assertServesAsBefore(server, scene, reference, 'well-framed garbage');
    outcomes.recovered += cases.length;
  } finally {
    await server.close();
  }
});

test('after shutdown, requests are refused with InvalidRequest and exit ends the process', { skip }, async () => {
  const server = await startServer({ XDG_CACHE_HOME: path.join(tmp, 'cache') });
  const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
  assert.equal((await forwardScene(server, scene)).answer, reference.answer);
  await server.connection.sendRequest('shutdown');
  for (const request of [forwardScene(server, scene), server.connection.sendRequest(modelInfoRequest)]) {
    const e = await requestError(request);
    assert.equal(e.code, INVALID_REQUEST);
    assert.match(e.message, /shutting down .*send "exit"/);
  }
  await server.connection.sendNotification('exit');
  assert.equal(await within(10_000, 'the exit', exited), 0);
  server.connection.dispose();
});

test('a client that closes stdin without shutdown ends the server', async () => {
  const s = rawServer();
  s.child.stdin!.end(initialize);
  assert.equal(await within(10_000, 'the exit', s.exit), 1);
});

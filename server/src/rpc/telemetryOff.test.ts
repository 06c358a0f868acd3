import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { StreamMessageReader, StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { forwardRequest, loadModelRequest } from '../../../protocol/requests';
import { within } from '../../test/support/fuzzFixture';
import { SERVER_MAIN } from '../../test/support/rpcTestClient';
import { BUNDLED_MODEL, REPO_ROOT, makeTempDir, writeSceneImage } from '../../test/support/sceneFixture';

/**
 * onnxruntime-node phones home unless ORT_DISABLE_TELEMETRY=1 is set before it loads: about 10 s
 * after load it looks up a Microsoft host, writes a device id and an event store under
 * ~/.cache/Microsoft/DeveloperTools/ and creates /tmp/mat-debug-<pid>.log. A real server run (a
 * forward on the bundled model, up for 16 s, started WITHOUT the variable so the server must set
 * it itself), with HOME, TMPDIR and XDG_CACHE_HOME in fresh empty folders, must leave no file
 * outside the cache folder the README names (~/.cache/spatial-id-lens/) and, under strace, make
 * no DNS query, open no network socket and open nothing for writing outside that folder.
 */

const present = fs.existsSync(path.join(BUNDLED_MODEL, 'onnx/decoder_model_merged.onnx'));
const STRACE = spawnSync('strace', ['-V']).status === 0;
/** onnxruntime's telemetry fires about 10 s after load: stay up past it. */
const UP_MS = 16_000;

const tmp = makeTempDir('telemetry');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => !e.isDirectory()).map((e) => path.join(e.parentPath, e.name));
}

test('every import of onnxruntime-node goes through model/onnxRuntime.ts', () => {
  const src = path.join(REPO_ROOT, 'server/src');
  const offenders = fs
    .readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && path.basename(f) !== 'onnxRuntime.ts')
    .filter((f) => /^\s*import\s+(?!type\b)[^;]*from\s+['"]onnxruntime-node['"]|require\(\s*['"]onnxruntime-node['"]\s*\)/m.test(fs.readFileSync(path.join(src, f), 'utf8')));
  assert.deepEqual(offenders, [], 'these load onnxruntime-node without turning its telemetry off first');
});

test('a server run makes no DNS query and writes nothing outside its cache folder', { skip: !present && 'no bundled model', timeout: 90_000 }, async (t) => {
  const home = path.join(tmp, 'home');
  const temp = path.join(tmp, 'tmp');
  for (const d of [home, temp]) fs.mkdirSync(d);
  const scene = await writeSceneImage(tmp);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, TMPDIR: temp, XDG_CACHE_HOME: path.join(home, '.cache') };
  delete env.ORT_DISABLE_TELEMETRY;
  const trace = path.join(tmp, 'trace.txt');
  if (!STRACE) t.diagnostic('strace is not installed: the DNS and write checks are skipped (apt-get install -y strace); the file checks still run');
  const [cmd, args] = STRACE
    ? ['strace', ['-f', '-qq', '-e', 'trace=network,openat,open,creat', '-o', trace, process.execPath, SERVER_MAIN, '--stdio']]
    : [process.execPath, [SERVER_MAIN, '--stdio']];
  const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  connection.listen();
  const started = Date.now();
  let serverPid: number | undefined;
  try {
    await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    await connection.sendRequest(loadModelRequest, { dir: BUNDLED_MODEL, threads: 1 });
    const r = await connection.sendRequest(forwardRequest, { media: { image: scene.file }, question: scene.question });
    assert.ok(['left', 'right'].includes(r.answer), r.answer);
    serverPid = Number(/\(pid (\d+)\)/.exec(log)?.[1]);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, UP_MS - (Date.now() - started))));
    await connection.sendRequest('shutdown');
    await connection.sendNotification('exit');
    assert.equal(await within(20_000, 'the server exit', exited), 0, log);
  } finally {
    connection.dispose();
    if (child.exitCode === null) child.kill('SIGKILL');
  }

  const cacheFolder = path.join(home, '.cache', 'spatial-id-lens') + path.sep;
  assert.deepEqual(filesUnder(home).filter((f) => !f.startsWith(cacheFolder)), [], `files under HOME outside ${cacheFolder}`);
  assert.deepEqual(filesUnder(temp), [], 'files left in TMPDIR');
  if (serverPid) assert.ok(!fs.existsSync(`/tmp/mat-debug-${serverPid}.log`), 'onnxruntime telemetry log in /tmp');
  if (!STRACE) return;

  const lines = fs.readFileSync(trace, 'utf8').split('\n');
  const network = lines.filter((l) => /\b(socket|connect|sendto|sendmsg)\(/.test(l) && !/AF_UNIX.*(SOCK_STREAM|SOCK_SEQPACKET).*= \d+$|socketpair/.test(l));
  assert.deepEqual(network.filter((l) => /AF_INET|AF_INET6|connect\(/.test(l)), [], 'network sockets or connections');
  const lookups = lines.filter((l) => /"\/etc\/(resolv\.conf|hosts|nsswitch\.conf|host\.conf)"|nscd/.test(l));
  assert.deepEqual(lookups, [], 'name lookups (DNS)');
  const writes = lines
    .filter((l) => /\b(openat|open|creat)\(/.test(l) && /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|creat\(/.test(l) && !/= -1 /.test(l))
    .map((l) => /"([^"]+)"/.exec(l)?.[1] ?? l)
    .filter((f) => !path.resolve(f).startsWith(cacheFolder) && !/^\/dev\/(null|tty|ptmx|pts\/)|^\/proc\/|^\/sys\//.test(f));
  assert.deepEqual(writes, [], 'files opened for writing outside the cache folder');
  t.diagnostic(`telemetry off: ${lines.length} traced calls over ${Math.round((Date.now() - started) / 1000)} s, no DNS query, no network socket, no write outside ${cacheFolder}`);
});

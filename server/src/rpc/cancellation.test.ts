import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { WorkDoneProgress } from 'vscode-languageserver-protocol';
import { loadIdBank } from '../analysis/idBank';
import { ffmpeg } from '../../test/support/mediaFixtures';
import { ErrorCodes } from '../../../protocol/errors';
import { ForwardParams, ForwardResult, deriveIdsRequest, deriveTidsRequest, forwardRequest, modelInfoRequest, sweepPatchesRequest, probeRequest, steerRequest } from '../../../protocol/requests';
import { TestServer, requestError, startServer } from '../../test/support/rpcTestClient';
import { BUNDLED_MODEL, REPO_ROOT, SceneImage, makeTempDir, writeSceneImage } from '../../test/support/sceneFixture';

/**
 * Cancellation of every analysis and of forward (image and video) on the real server: each
 * request is cancelled once it has started (its first `$/progress`, or a short delay for forward,
 * which reports none) and must answer RequestCancelled (-32800) within 2 s of the cancel, with the
 * queue freed so that a good forward afterwards answers exactly as before. Also: long batches hold
 * no queue, ID bank files are written only on success and never over a file, and a request naming
 * a model leaves the loaded model in place.
 */

const REQUEST_CANCELLED = -32800;
const CANCEL_BOUND_MS = 2000;
const RANDOM_MODEL = path.join(REPO_ROOT, 'models/tiny-spatial-vlm-random-init');
const present = fs.existsSync(path.join(BUNDLED_MODEL, 'onnx/decoder_model_merged.onnx')) && fs.existsSync(path.join(RANDOM_MODEL, 'config.json'));
const skip = present ? false : 'no bundled models';
const SMALL = { objects: ['red circle', 'blue square'], sizes: [14] };

const tmp = makeTempDir('cancel');
let server: TestServer;
let scene: SceneImage;
let bigImage: string;
let video: string;
let expected: ForwardResult;
const outcomes: { name: string; cancelled: boolean; ms: number }[] = [];

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const goodForward = (extra: Partial<ForwardParams> = {}) => server.connection.sendRequest(forwardRequest, { media: { image: scene.file }, question: scene.question, ...extra });

before(async () => {
  if (skip) return;
  scene = await writeSceneImage(tmp);
  // a picture large enough that decoding it as a patch source takes a while (forward decodes every source)
  bigImage = path.join(tmp, 'noise.jpg');
  const side = 2000;
  const noise = Buffer.alloc(side * side * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  await sharp(noise, { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 90 }).toFile(bigImage);
  // a clip long enough that ffmpeg is still decoding when the cancel arrives
  video = path.join(tmp, 'long.mp4');
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-t', '60', '-c:v', 'mpeg4', '-q:v', '5', video]);
  server = await startServer({ XDG_CACHE_HOME: path.join(tmp, 'cache') });
  expected = await goodForward();
});
after(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  if (outcomes.length) {
    const inTime = outcomes.filter((o) => o.cancelled && o.ms <= CANCEL_BOUND_MS).length;
    console.log(`cancellation: ${outcomes.length} requests, ${inTime} answered -32800 within 2 s (slowest ${Math.max(...outcomes.map((o) => o.ms))} ms)`);
  }
});

let nextToken = 0;

/** ffmpeg processes whose parent is `pid` (Linux; [] elsewhere). */
function ffmpegChildren(pid: number): string[] {
  if (process.platform !== 'linux') return [];
  const out = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout ?? '';
  return out.split('\n').map((l) => l.trim()).filter((l) => /\bffmpeg$/.test(l));
}

/** Sends `method`, cancels it once it has started, and returns how it ended and how long after the cancel. */
async function cancelOnceStarted(method: string, params: object, start: 'progress' | number): Promise<{ code?: number; message?: string; ms: number }> {
  const token = `cancel-${nextToken++}`;
  const source = new CancellationTokenSource();
  let started!: () => void;
  const progressed = new Promise<void>((resolve) => (started = resolve));
  const sub = server.connection.onProgress(WorkDoneProgress.type, token, () => started());
  const answer = server.connection.sendRequest(method, { ...params, workDoneToken: token }, source.token).then(
    () => ({ code: undefined, message: 'answered with a result' }),
    (e: { code: number; message: string }) => ({ code: e.code, message: e.message }),
  );
  const ended = answer.then(() => 'ended' as const);
  const first = await Promise.race([start === 'progress' ? progressed.then(() => 'started' as const) : delay(start).then(() => 'started' as const), ended]);
  assert.equal(first, 'started', `${method} ended before it could be cancelled`);
  const cancelledAt = Date.now();
  source.cancel();
  const r = await answer;
  sub.dispose();
  return { ...r, ms: Date.now() - cancelledAt };
}

async function assertCancelled(name: string, method: string, params: object, start: 'progress' | number): Promise<void> {
  const r = await cancelOnceStarted(method, params, start);
  outcomes.push({ name, cancelled: r.code === REQUEST_CANCELLED, ms: r.ms });
  assert.equal(r.code, REQUEST_CANCELLED, `${name}: ${r.code} ${r.message}`);
  assert.ok(r.ms <= CANCEL_BOUND_MS, `${name}: answered ${r.ms} ms after the cancel`);
  assert.deepEqual(await goodForward(), expected, `after a cancelled ${name}, a good forward answers as before`);
}

describe('every analysis and forward, cancelled once started, answers -32800 within 2 s', { skip, timeout: 240_000 }, () => {
  // forward reports no progress: 64 patches, each decoding a 2000x2000 source, take seconds; cancel after 300 ms
  test('forward (image, between its patch and decoder steps)', () =>
    assertCancelled('forward', forwardRequest.method, {
      media: { image: scene.file },
      question: scene.question,
      interventions: Array.from({ length: 64 }, (_, k) => ({ kind: 'patch', layer: k % 7, positions: 'media', from: { image: bigImage } })),
    }, 300));

  test('forward (video, while ffmpeg decodes): the ffmpeg child is stopped', async () => {
    await assertCancelled('video forward', forwardRequest.method, { media: { video }, question: 'Does the red circle appear before or after the blue square?' }, 300);
    assert.deepEqual(ffmpegChildren(server.child.pid!), [], 'no ffmpeg left decoding for a cancelled request');
  });

  test('deriveIds', () => assertCancelled('deriveIds', deriveIdsRequest.method, {}, 'progress'));
  test('deriveTids', () => assertCancelled('deriveTids', deriveTidsRequest.method, {}, 'progress'));
  // without a bank, probe and single steering derive the default bank first: cancelled there
  test('probe', () => assertCancelled('probe', probeRequest.method, { media: { image: scene.file }, question: scene.question }, 'progress'));
  test('steer (one input)', () =>
    assertCancelled('steer', steerRequest.method, { media: { image: scene.file }, question: scene.question, object: scene.objects[0], targetCell: 15 }, 'progress'));
  test('steer (batch)', () => assertCancelled('steer batch', steerRequest.method, { batch: 2000 }, 'progress'));
  test('sweepPatches (one input)', () => assertCancelled('sweepPatches', sweepPatchesRequest.method, { media: { image: scene.file }, question: scene.question }, 'progress'));
  test('sweepPatches (batch)', () => assertCancelled('sweepPatches batch', sweepPatchesRequest.method, { batch: 2000 }, 'progress'));
});

describe('bounded work, safe files, borrowed models', { skip, timeout: 240_000 }, () => {
  test('a steer batch of 2000 holds no queue: a forward sent behind it runs once it is cancelled', async () => {
    const source = new CancellationTokenSource();
    const token = `batch-${nextToken++}`;
    let started!: () => void;
    const progressed = new Promise<void>((resolve) => (started = resolve));
    const sub = server.connection.onProgress(WorkDoneProgress.type, token, () => started());
    const batch = requestError(server.connection.sendRequest(steerRequest, { batch: 2000, workDoneToken: token }, source.token));
    await progressed;
    const behind = goodForward();
    source.cancel();
    const cancelledAt = Date.now();
    assert.equal((await batch).code, REQUEST_CANCELLED);
    assert.deepEqual(await behind, expected);
    assert.ok(Date.now() - cancelledAt <= CANCEL_BOUND_MS, 'the queued forward ran as soon as the batch stopped');
    sub.dispose();
  });

  test('bad params are refused at once, not after a running batch has had its turn', async () => {
    const source = new CancellationTokenSource();
    const token = `batch-${nextToken++}`;
    let started!: () => void;
    const progressed = new Promise<void>((resolve) => (started = resolve));
    const sub = server.connection.onProgress(WorkDoneProgress.type, token, () => started());
    let batchDone = false;
    const batch = requestError(server.connection.sendRequest(steerRequest, { batch: 2000, workDoneToken: token }, source.token)).finally(() => (batchDone = true));
    await progressed;
    const refused = await requestError(server.connection.sendRequest(forwardRequest, { media: { image: scene.file }, question: scene.question, maxNewTokens: -1 }));
    assert.equal(refused.code, ErrorCodes.badRequest);
    assert.equal(batchDone, false, 'the refusal came while the batch was still running');
    source.cancel();
    assert.equal((await batch).code, REQUEST_CANCELLED);
    sub.dispose();
  });

  test('a cancelled or failed deriveIds leaves no out file (nor a temporary one)', async () => {
    const folder = fs.mkdtempSync(path.join(tmp, 'out-'));
    const out = path.join(folder, 'bank.safetensors');
    const r = await cancelOnceStarted(deriveIdsRequest.method, { ...SMALL, out }, 'progress');
    assert.equal(r.code, REQUEST_CANCELLED);
    // the baseline is derived after the bank: its failure comes after all the work, and still nothing is written
    const failed = await requestError(server.connection.sendRequest(deriveIdsRequest, { ...SMALL, out, baseline: path.join(tmp, 'no-such-model') }));
    assert.notEqual(failed.code, ErrorCodes.internal, failed.message);
    assert.deepEqual(fs.readdirSync(folder), []);
  });

  test('an existing out file is never written over; overwrite: true replaces it; a missing folder is refused before any work', async () => {
    const out = path.join(tmp, 'precious.safetensors');
    fs.writeFileSync(out, 'the user data');
    for (const overwrite of [undefined, false, 'false', 1]) {
      const e = await requestError(server.connection.sendRequest(deriveIdsRequest, { ...SMALL, out, ...(overwrite === undefined ? {} : { overwrite }) } as object));
      assert.equal(e.code, ErrorCodes.badRequest, `overwrite ${JSON.stringify(overwrite)}: ${e.message}`);
      assert.equal(fs.readFileSync(out, 'utf8'), 'the user data', `overwrite ${JSON.stringify(overwrite)} left the file as it was`);
    }
    // refused before any work: no progress was ever reported for it
    let progressed = false;
    const sub = server.connection.onProgress(WorkDoneProgress.type, 'missing-folder', () => (progressed = true));
    const missing = await requestError(server.connection.sendRequest(deriveIdsRequest, { ...SMALL, out: path.join(tmp, 'no-folder', 'bank.safetensors'), workDoneToken: 'missing-folder' }));
    sub.dispose();
    assert.equal(missing.code, ErrorCodes.badRequest);
    assert.match(missing.message, /does not exist/);
    assert.equal(progressed, false, 'refused before deriving');
    const summary = await server.connection.sendRequest(deriveIdsRequest, { ...SMALL, out, overwrite: true });
    assert.equal(summary.bank, out);
    assert.equal(loadIdBank(out).universal[3].length, 16);
    assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
  });

  test('a request naming another model is served by it, and the next model-less forward answers from the loaded model', async () => {
    const loadedDir = (await server.connection.sendRequest(modelInfoRequest))?.dir;
    assert.equal(loadedDir, path.resolve(BUNDLED_MODEL));
    const random = await goodForward({ model: RANDOM_MODEL });
    assert.notDeepEqual(random.logprobs, expected.logprobs, 'the random-init model answers differently');
    assert.deepEqual(await goodForward(), expected);
    assert.equal((await server.connection.sendRequest(modelInfoRequest))?.dir, loadedDir);
    // a named model that fails to load changes nothing either
    const broken = fs.mkdtempSync(path.join(tmp, 'broken-model-'));
    fs.writeFileSync(path.join(broken, 'config.json'), '{"model_type": "llava"');
    const e = await requestError(goodForward({ model: broken }));
    assert.notEqual(e.code, ErrorCodes.internal, e.message);
    assert.deepEqual(await goodForward(), expected);
    assert.equal((await server.connection.sendRequest(modelInfoRequest))?.dir, loadedDir);
  });
});

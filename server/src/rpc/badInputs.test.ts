import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { ErrorCodes } from '../../../protocol/errors';
import { ForwardParams, forwardRequest, loadModelRequest, modelInfoRequest } from '../../../protocol/requests';
import { startBundledServer } from '../../test/support/fuzzFixture';
import { TestServer, requestError } from '../../test/support/rpcTestClient';
import { BUNDLED_MODEL, SceneImage, copyBundledModel, makeTempDir } from '../../test/support/sceneFixture';

/**
 * The bad inputs, each over the real server: a coded error whose message names the
 * problem, and the server still answers a good forward afterwards. Damaged models are copies of
 * the bundled one in a temp folder; the bundled folder is never written.
 */

const present = fs.existsSync(path.join(BUNDLED_MODEL, 'onnx/decoder_model_merged.onnx'));
const skip = present ? false : 'no bundled model';

const tmp = makeTempDir('rpc-bad');
let server: TestServer;
let scene: SceneImage;
before(async () => {
  if (present) ({ server, scene } = await startBundledServer(tmp));
});
after(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const forward = (extra: Partial<ForwardParams> = {}) =>
  server.connection.sendRequest(forwardRequest, { media: { image: scene.file }, question: scene.question, ...extra });

/** The request fails with `code` and a message matching `words`; then a good forward still works on the bundled model. */
async function refusedThenServes(request: Promise<unknown>, code: number, words: RegExp): Promise<void> {
  const e = await requestError(request);
  assert.equal(e.code, code, e.message);
  assert.match(e.message, words);
  assert.equal(server.child.exitCode, null, 'the server is still running');
  const good = await forward();
  assert.ok(['left', 'right'].includes(good.answer), good.answer);
  assert.equal((await server.connection.sendRequest(modelInfoRequest))?.dir, BUNDLED_MODEL);
}

function damagedCopy(name: string, damage: (decoder: string) => void): string {
  const dir = copyBundledModel(path.join(tmp, name));
  damage(path.join(dir, 'onnx/decoder_model_merged.onnx'));
  return dir;
}

test('a folder without config.json', { skip }, async () => {
  const dir = path.join(tmp, 'no-config');
  fs.mkdirSync(dir);
  await refusedThenServes(server.connection.sendRequest(loadModelRequest, { dir }), ErrorCodes.badModel, /has no config\.json/);
  await refusedThenServes(forward({ model: dir }), ErrorCodes.badModel, /has no config\.json/);
});

test('a truncated decoder .onnx', { skip }, async () => {
  const dir = damagedCopy('truncated', (f) => fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2)));
  await refusedThenServes(server.connection.sendRequest(loadModelRequest, { dir }), ErrorCodes.badModel, /decoder_model_merged\.onnx cannot be read as an ONNX model .*damaged or cut short/);
});

test('an ONNX file that is not a decoder (the vision encoder in its place)', { skip }, async () => {
  const dir = damagedCopy('not-decoder', (f) => fs.copyFileSync(path.join(BUNDLED_MODEL, 'onnx/vision_encoder.onnx'), f));
  await refusedThenServes(server.connection.sendRequest(loadModelRequest, { dir }), ErrorCodes.badModel, /decoder_model_merged\.onnx cannot be instrumented: .*not a decoder/);
});

test('a corrupt image', { skip }, async () => {
  const file = path.join(tmp, 'corrupt.png');
  fs.writeFileSync(file, Buffer.concat([fs.readFileSync(scene.file).subarray(0, 8), Buffer.from('not the rest of a PNG')]));
  await refusedThenServes(forward({ media: { image: file } }), ErrorCodes.badMedia, /corrupt\.png cannot be read as an image/);
});

test('a zero-byte video', { skip }, async () => {
  const file = path.join(tmp, 'empty.mp4');
  fs.writeFileSync(file, '');
  await refusedThenServes(forward({ media: { video: file } }), ErrorCodes.badMedia, /empty\.mp4 is empty \(0 bytes\)/);
});

test('a question without the named word', { skip }, async () => {
  const request = forward({ capture: { layers: 'all', positions: { words: [scene.absentWord] } } });
  await refusedThenServes(request, ErrorCodes.badQuestion, new RegExp(`"${scene.absentWord}" is not in the question`));
});

test('a layer index out of range, captured or steered', { skip }, async () => {
  await refusedThenServes(forward({ capture: { layers: [0, 7], positions: 'all' } }), ErrorCodes.badRequest, /capture\.layers\[1\] = 7 is out of range: this model has residual layers 0\.\.6/);
  const steer = forward({ interventions: [{ kind: 'add', layer: 99, positions: 'all', vector: new Array(128).fill(0) }] });
  await refusedThenServes(steer, ErrorCodes.badRequest, /interventions\[0\]\.layer = 99 is out of range: this model has residual layers 0\.\.6/);
});

test('a steering vector of the wrong length', { skip }, async () => {
  const request = forward({ interventions: [{ kind: 'add', layer: 2, positions: { words: [scene.objects[0]] }, vector: new Array(127).fill(0.1) }] });
  await refusedThenServes(request, ErrorCodes.badRequest, /interventions\[0\]\.vector has 127 values but this model's hidden size is 128/);
});

test('a missing image file and malformed parameters', { skip }, async () => {
  await refusedThenServes(forward({ media: { image: path.join(tmp, 'nowhere.png') } }), ErrorCodes.badMedia, /nowhere\.png does not exist/);
  await refusedThenServes(server.connection.sendRequest(loadModelRequest, { threads: -1 }), ErrorCodes.badRequest, /threads must be a whole number from 1 to 256 \(got -1\)/);
  const badKind = forward({ interventions: [{ kind: 'scale', layer: 1, positions: 'all' } as never] });
  await refusedThenServes(badKind, ErrorCodes.badRequest, /interventions\[0\]\.kind must be an intervention \{"kind": "add" \(steering\) or "patch"/);
});

test('media placeholders typed in a question are refused, not turned into media tokens', { skip }, async () => {
  await refusedThenServes(forward({ question: `${scene.question} <image>` }), ErrorCodes.badQuestion, /The question contains "<image>", this model's image placeholder: remove it/);
  const patch = forward({ interventions: [{ kind: 'patch', layer: 2, positions: 'media', from: { image: scene.file, question: '<video> left or right?' } }] });
  await refusedThenServes(patch, ErrorCodes.badQuestion, /interventions\[0\]\.from\.question: The question contains "<video>"/);
});

test('an execution provider this onnxruntime-node cannot run', { skip }, async () => {
  // cuda's binaries are downloaded by onnxruntime-node's install script, which this project skips offline
  const load = (executionProviders: string[]) => server.connection.sendRequest(loadModelRequest, { dir: BUNDLED_MODEL, executionProviders });
  await refusedThenServes(load(['cuda']), ErrorCodes.badModel, /"cuda" needs binaries .* or use cpu/);
  await refusedThenServes(load(['quantum']), ErrorCodes.badModel, /"quantum" is not known .*choose one of those/);
  const info = await load(['cpu']);
  assert.equal(info.numLayers, 6, 'cpu loads');
});

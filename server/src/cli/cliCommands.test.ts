import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { ForwardResult, ModelInfo } from '../../../protocol/requests';
import { BUNDLED_MODEL, REPO_ROOT, SceneImage, makeTempDir, writeSceneImage } from '../../test/support/sceneFixture';

/** `spatial-id-lens info` and `forward` as a user runs them: a process, JSON on the last stdout line, exit codes. */

const MAIN = path.join(__dirname, 'main.js');
const present = fs.existsSync(path.join(BUNDLED_MODEL, 'onnx/decoder_model_merged.onnx'));
const skip = present ? false : 'no bundled model';

const tmp = makeTempDir('cli');
let scene: SceneImage;
before(async () => {
  scene = await writeSceneImage(tmp);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, XDG_CACHE_HOME: path.join(tmp, 'cache'), SPATIAL_ID_LENS_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const lastLine = (s: string) => JSON.parse(s.trim().split('\n').pop()!);

test('info describes the bundled model as JSON', { skip }, async () => {
  const r = await cli('info', 'models/tiny-spatial-vlm');
  assert.equal(r.code, 0, r.stderr);
  const info = lastLine(r.stdout) as ModelInfo;
  assert.equal(info.numLayers, 6);
  assert.equal(info.hiddenSize, 128);
  assert.equal(info.sites.length, 7);
  assert.equal(info.imageTokens, 16);
  // the scene vocabulary reaches the panel as a property of the model (closed: the bundled model reads only scene questions)
  assert.deepEqual(info.vocabulary.questionTemplates.video, [{ text: 'Does the {a} appear before or after the {b}?', objects: 2, relation: 'beforeAfter', answers: ['before', 'after'] }]);
  assert.ok(info.vocabulary.objectWords?.includes('red circle'));
});

test('forward --json captures the requested layers at the named words, and marks image tokens', { skip }, async () => {
  const r = await cli('forward', '--model', 'models/tiny-spatial-vlm', '--image', scene.file, '--question', scene.question, '--capture-layers', '0,6', '--capture-positions', `words:${scene.objects.join(',')}`, '--threads', '1', '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = lastLine(r.stdout) as ForwardResult;
  assert.ok(['left', 'right'].includes(out.answer));
  assert.deepEqual(Object.keys(out.logprobs).sort(), ['left', 'right']);
  assert.deepEqual(Object.keys(out.hidden).sort(), ['0', '6']);
  const positions = out.tokens.filter((t) => scene.objects.some((o) => o.endsWith(` ${t.text}`)) && t.position > 18).map((t) => String(t.position));
  for (const layer of ['0', '6']) {
    assert.deepEqual(Object.keys(out.hidden[layer]).sort(), positions.sort());
    for (const p of positions) assert.equal(out.hidden[layer][p].length, 128);
  }
  const image = out.tokens.filter((t) => t.kind === 'image');
  assert.equal(image.length, 16);
  assert.ok(image.every((t) => t.kind === 'image' && t.text === '<image>'));
  assert.ok(out.tokens.every((t, i) => t.position === i));
});

test('forward captures every layer at every position by default, and prints a summary without --json', { skip }, async () => {
  const json = await cli('forward', '--image', scene.file, '--question', scene.question, '--threads', '1', '--json');
  assert.equal(json.code, 0, json.stderr);
  const out = lastLine(json.stdout) as ForwardResult;
  assert.deepEqual(Object.keys(out.hidden).map(Number), [0, 1, 2, 3, 4, 5, 6]);
  for (const layer of Object.values(out.hidden)) assert.equal(Object.keys(layer).length, out.tokens.length);
  const human = await cli('forward', '--image', scene.file, '--question', scene.question, '--threads', '1');
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, new RegExp(`^answer: ${out.answer}\\n`));
  assert.match(human.stdout, /of which 16 media tokens at 3-18/);
});

test('bad input ends with a non-zero exit and one clear line, no stack', { skip }, async () => {
  const vector = path.join(tmp, 'short.json');
  fs.writeFileSync(vector, JSON.stringify(new Array(127).fill(0.5)));
  const shape = scene.objects[0].split(' ')[1];
  const cases: Array<[string[], number, RegExp]> = [
    [['forward', '--image', scene.file], 2, /--question "\.\.\." is required/],
    [['forward', '--image', scene.file, '--question', scene.question, '--nonsense'], 2, /Unknown option '--nonsense'/],
    [['forward', '--image', scene.file, '--question', scene.question, '--steer', `2:${shape}:${vector}`], 1, /127 values but this model's hidden size is 128/],
    [['info', tmp], 1, /has no config\.json/],
  ];
  for (const [args, code, words] of cases) {
    const r = await cli(...args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^spatial-id-lens (forward|info): /);
    assert.match(lines[0], words);
  }
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { type Experiment, type ExperimentFile, storeExperiment } from '../../../protocol/experiment';
import type { ExperimentStep } from '../../../protocol/experimentSteps';
import { BUNDLED_MODEL, REPO_ROOT, type SceneImage, makeTempDir, writeSceneImage } from '../../test/support/sceneFixture';
import { runStep } from './analysisCommands';
import { loadRunner } from '../rpc/loadRunner';

/**
 * The acceptance test's part without VS Code: an experiment saved by the CLI, one saved the way
 * the panel saves it and one the way the palette's Export Results... does, each re-run by the CLI
 * from a copy of the workspace at another path (the files hold no absolute path of the writer's),
 * to the same numbers; a changed number fails the re-run naming the step.
 */

const MAIN = path.join(__dirname, 'main.js');
const skip = fs.existsSync(path.join(BUNDLED_MODEL, 'onnx/decoder_model_merged.onnx')) ? false : 'no bundled model';
const tmp = makeTempDir('experiment-replay');
const CACHE_BANK = path.join(tmp, 'editor-global-storage/banks/spatial.safetensors');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: tmp, env: { ...process.env, ORT_DISABLE_TELEMETRY: '1', XDG_CACHE_HOME: path.join(tmp, 'cache'), SPATIAL_ID_LENS_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const lines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l) as unknown);

/** The first workspace: a scene image and a small ID bank of its two objects. */
let ws1: string;
let scene: SceneImage;
before(async () => {
  if (skip) return;
  ws1 = path.join(tmp, 'ann/workspace');
  fs.mkdirSync(path.join(ws1, 'experiments'), { recursive: true });
  scene = await writeSceneImage(ws1);
  const r = await cli('derive-ids', '--model', BUNDLED_MODEL, '--objects', scene.objects.join(','), '--sizes', '14', '--baseline', 'none', '--out', path.join(ws1, 'bank.safetensors'), '--json');
  assert.equal(r.code, 0, r.stderr);
});

/** The workspace copied to another checkout path, the first one moved away. */
function moveWorkspace(name: string): string {
  const ws2 = path.join(tmp, name, 'checkout');
  fs.cpSync(ws1, ws2, { recursive: true });
  return ws2;
}

/** Runs steps in this process the way the server answers the editor, for files the editor writes. */
async function answered(steps: ExperimentStep[]): Promise<ExperimentStep[]> {
  const runner = await loadRunner(BUNDLED_MODEL, { threads: 1 });
  try {
    const out: ExperimentStep[] = [];
    for (const s of steps) {
      // the editor's bank is its cached default bank; the reader passes the same bank with --bank
      const params = s.params.bank === CACHE_BANK ? { ...s.params, bank: path.join(ws1, 'bank.safetensors') } : s.params;
      out.push({ ...s, result: JSON.parse(JSON.stringify(await runStep({ ...s, params }, runner, 1, () => undefined))) });
    }
    return out;
  } finally {
    await runner.dispose();
  }
}

/** Written as the extension writes it: paths relative to the file's folder, the cached bank left out. */
function writeAsEditor(file: string, exp: Experiment): ExperimentFile {
  const stored = storeExperiment(exp, path.dirname(file), { bundledModelDir: BUNDLED_MODEL, isDefaultBank: (b) => b === CACHE_BANK });
  fs.writeFileSync(file, JSON.stringify(stored, null, 2));
  return stored;
}

test('a CLI experiment saved with its results re-runs from a copied workspace to the same numbers; a changed number fails naming the step', { skip }, async () => {
  const results = path.join(ws1, 'experiments/probe.results.json');
  const bank = path.join(ws1, 'bank.safetensors');
  const first = await cli('probe', '--model', BUNDLED_MODEL, '--bank', bank, '--image', scene.file, '--question', scene.question, '--results', results, '--json');
  assert.equal(first.code, 0, first.stderr);
  const saved = JSON.parse(fs.readFileSync(results, 'utf8')) as ExperimentFile;
  assert.deepEqual(saved.model, { bundled: 'tiny-spatial-vlm', decoderHash: saved.model.decoderHash });
  assert.match(String(saved.model.decoderHash), /^[0-9a-f]{8,}$/);
  assert.deepEqual(saved.steps[0].params, { bank: '../bank.safetensors', media: { image: `../${path.basename(scene.file)}` }, question: scene.question });
  assert.doesNotMatch(JSON.stringify(saved), new RegExp(tmp), 'no absolute path in the file');

  const ws2 = moveWorkspace('bob');
  const copy = path.join(ws2, 'experiments/probe.results.json');
  const again = await cli('probe', '--experiment', copy, '--json');
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(lines(again.stdout), lines(first.stdout), 'the same numbers from the other checkout');
  assert.match(again.stderr, /1 step re-run; all 1 saved results agree/);

  const tampered = structuredClone(saved);
  (tampered.steps[0].result as { objects: { similarity: number[][] }[] }).objects[0].similarity[2][1] += 0.01;
  fs.writeFileSync(copy, JSON.stringify(tampered));
  const differs = await cli('probe', '--experiment', copy, '--json');
  assert.equal(differs.code, 1);
  assert.match(differs.stderr, /1 of 1 saved steps differ from the re-run .*: step 1 \(probe\): objects\[0\]\.similarity\[2\]\[1\] /);
});

test('a panel experiment (forward, probe, steer with the cached bank; UI state apart) re-runs in the CLI from another checkout', { skip }, async () => {
  const image = scene.file;
  const [object, other] = scene.objects;
  void other;
  const steps = await answered([
    { method: 'forward', params: { media: { image }, question: scene.question } },
    { method: 'probe', params: { bank: CACHE_BANK, media: { image }, question: scene.question } },
    { method: 'steer', params: { bank: CACHE_BANK, media: { image }, question: scene.question, object, targetCell: 0, layers: [2, 3], factor: 5 } },
  ]);
  const file = path.join(ws1, 'experiments/panel.experiment.json');
  const stored = writeAsEditor(file, { model: { dir: BUNDLED_MODEL, decoderHash: null }, steps, ui: { media: { kind: 'image', path: image }, actions: [{ kind: 'run' }, { kind: 'layer', layer: 3 }, { kind: 'steer' }] } });
  assert.equal('bank' in stored.steps[1].params, false, "the editor's cached bank is not written");
  assert.equal(stored.ui?.media?.path, `../${path.basename(image)}`);

  const ws2 = moveWorkspace('carol');
  const r = await cli('steer', '--experiment', path.join(ws2, 'experiments/panel.experiment.json'), '--bank', path.join(ws2, 'bank.safetensors'), '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /3 steps re-run; all 3 saved results agree/);
  assert.deepEqual(lines(r.stdout), steps.map((s) => s.result));
});

test('a palette experiment (Export Results...: a batch steer and a sweep) re-runs in the CLI from another checkout', { skip }, async () => {
  const steps = await answered([
    { method: 'steer', params: { bank: CACHE_BANK, layers: [2, 3], factor: 5, batch: 2, opposite: true } },
    { method: 'sweepPatches', params: { batch: 2 } },
  ]);
  writeAsEditor(path.join(ws1, 'experiments/palette.json'), { model: { dir: BUNDLED_MODEL, decoderHash: null }, steps });
  const ws2 = moveWorkspace('dan');
  const r = await cli('steer', '--experiment', path.join(ws2, 'experiments/palette.json'), '--bank', path.join(ws2, 'bank.safetensors'), '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /2 steps re-run; all 2 saved results agree/);
  assert.deepEqual(lines(r.stdout), steps.map((s) => s.result));
});

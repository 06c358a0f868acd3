import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';

/**
 * The analysis commands as a user runs them: an experiment saved with its results re-runs from
 * the file to the same numbers, and a file is never written over.
 */

const ROOT = path.resolve(__dirname, '../../../..');
const CLI = path.join(ROOT, 'out/server/src/cli/main.js');
const MODEL = path.join(ROOT, 'models/tiny-spatial-vlm');
const skip = fs.existsSync(path.join(MODEL, 'onnx/decoder_model_merged.onnx')) ? false : 'no bundled model';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sil-analysis-cli-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const run = (...args: string[]) => {
  const out = execFileSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: path.join(tmp, 'cache') } });
  return JSON.parse(out.trim().split('\n').pop()!);
};

test('steer --batch: the saved experiment re-runs to the same numbers; results are never written over', { skip }, () => {
  const results = path.join(tmp, 'steer-results.json');
  const exp = path.join(tmp, 'steer-experiment.json');
  const first = run('steer', '--model', MODEL, '--batch', '3', '--bands', '3;2-3', '--seed', '7', '--save-experiment', exp, '--results', results, '--json');
  assert.equal(first.perLayer.length, 2);
  const saved = JSON.parse(fs.readFileSync(results, 'utf8'));
  assert.deepEqual(saved.steps[0].result, first);
  assert.equal(saved.steps[0].method, 'steer');
  assert.deepEqual(run('steer', '--experiment', exp, '--json'), first, 'the experiment file reproduces its numbers');
  assert.deepEqual(run('steer', '--experiment', results, '--json'), first, 'a results file re-runs too');
  assert.throws(() => run('steer', '--experiment', exp, '--results', results, '--json'), /exists already/);
});

test('derive-ids prints per-layer lattice scores beside the random-init baseline', { skip }, () => {
  const summary = run('derive-ids', '--model', MODEL, '--objects', 'red circle,blue square', '--sizes', '14', '--json');
  assert.equal(summary.layers.length, 7);
  assert.equal(summary.baselineLatticeScores.length, 7, 'the random-init twin is the default baseline');
  assert.ok(summary.bestLayer >= 1 && summary.bestLayer <= 5, 'a middle layer');
});

test('--save-experiment and --results are written only when the analysis succeeds; a bad path is refused before the model loads', { skip }, () => {
  const folder = fs.mkdtempSync(path.join(tmp, 'outputs-'));
  const exp = path.join(folder, 'exp.json');
  const results = path.join(folder, 'results.json');
  // a bank that is not a safetensors file: the analysis fails after the model has loaded
  const notABank = path.join(folder, 'not-a-bank.safetensors');
  fs.writeFileSync(notABank, 'not a bank');
  assert.throws(() => run('steer', '--model', MODEL, '--bank', notABank, '--batch', '2', '--save-experiment', exp, '--results', results, '--json'));
  assert.deepEqual(fs.readdirSync(folder), ['not-a-bank.safetensors'], 'a failed analysis writes neither file');
  const missing = path.join(folder, 'no-such-folder', 'results.json');
  // named with a model folder that does not exist either: the results path is what is refused, so nothing was loaded first
  assert.throws(() => run('steer', '--model', path.join(folder, 'no-model'), '--batch', '2', '--results', missing, '--json'), (e: Error & { stderr?: string }) => /results file.*does not exist: create it first/.test(String(e.stderr)));
});

import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { UNCOMPARED_FIELDS } from '../../../protocol/experimentSteps';
import { heldOutItems } from '../../src/analysis/heldOutItems';
import type { SceneCanvas } from '../../src/scenes/sceneGeometry';
import { REPO_ROOT } from './sceneFixture';

/**
 * For tests that run the built CLI as a user does: a child process with telemetry off and its
 * own XDG_CACHE_HOME (instrumented graphs are cached there, never in the user's cache), the
 * result of `--json` as the last stdout line, a saved experiment re-run from its file, and a
 * scene-engine picture drawn on a given canvas.
 */

export const CLI_MAIN = path.join(REPO_ROOT, 'out/server/src/cli/main.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

export function runCli(cacheDir: string, args: readonly string[]): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ORT_DISABLE_TELEMETRY: '1', XDG_CACHE_HOME: cacheDir, SPATIAL_ID_LENS_DEBUG: '' };
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { cwd: REPO_ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 }));
  });
}

/** The `--json` result: the last line of stdout. */
export const lastJson = <T>(r: CliRun): T => JSON.parse(r.stdout.trim().split('\n').pop()!) as T;

export function assertFinite(values: Iterable<number>, what: string): void {
  let n = 0;
  for (const v of values) {
    assert.ok(Number.isFinite(v), `${what}: ${v} is not finite`);
    n++;
  }
  assert.ok(n > 0, `${what}: no numbers`);
}

/**
 * Re-runs a command from the results file written by its first run (`--results`: the experiment
 * and its results; the `--save-experiment` file holds the same step without them, so it has
 * nothing to compare): the re-run says every saved result agrees and prints the same numbers.
 */
export async function assertReplays(cacheDir: string, command: string, files: { experiment: string; results: string; written?: string }, first: CliRun): Promise<void> {
  // a file the step writes (an ID bank) is never written over: the first one is moved aside, the re-run writes it again
  if (files.written) fs.renameSync(files.written, `${files.written}.first`);
  const saved = JSON.parse(fs.readFileSync(files.experiment, 'utf8')) as { steps: { method: string; params: object; result?: unknown }[] };
  const withResults = JSON.parse(fs.readFileSync(files.results, 'utf8')) as { steps: { method: string; params: object; result?: unknown }[] };
  assert.equal(saved.steps.length, 1);
  assert.equal(saved.steps[0].result, undefined, 'an experiment file holds no results');
  assert.deepEqual(saved.steps[0].params, withResults.steps[0].params, 'the same step in both files');
  const again = await runCli(cacheDir, [command, '--experiment', files.results, '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /1 step re-run; all 1 saved results agree/);
  // on the same machine the numbers are the same exactly; timings and paths are not findings
  const findings = (r: CliRun) => Object.fromEntries(Object.entries(lastJson<Record<string, unknown>>(r)).filter(([k]) => !UNCOMPARED_FIELDS.includes(k)));
  assert.deepEqual(findings(again), findings(first), `${command} re-run from ${path.basename(files.results)}: the same numbers`);
  if (files.written) assert.ok(fs.existsSync(files.written), `the re-run wrote ${files.written} again`);
}

/** A left/right scene drawn by the scene engine on `canvas` (written as PNG), its question and its two objects. */
export async function writeSceneAt(dir: string, canvas: SceneCanvas, seed: number): Promise<{ file: string; question: string; objects: [string, string]; answers: [string, string] }> {
  for await (const it of heldOutItems('leftRight', 1, seed, { canvas })) {
    const img = it.pixels!;
    const file = path.join(dir, `scene-${canvas.width}x${canvas.height}-${seed}.png`);
    await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toFile(file);
    return { file, question: it.question, objects: [it.subject, it.other], answers: it.answers };
  }
  throw new Error('heldOutItems gave no item.');
}

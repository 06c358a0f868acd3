import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { CodedError, ErrorCodes } from './errors';
import { type Experiment, modelMismatch, parseExperimentFile, resolveExperiment, storeExperiment } from './experiment';
import { compareSteps, describeStep, resultDifferences, sameNumber } from './experimentSteps';

const BUNDLED = '/opt/sil/models/tiny-spatial-vlm';
const question = 'Is the red circle to the left or right of the blue square?';

const experimentAt = (ws: string): Experiment => ({
  model: { dir: path.join(ws, 'models/mine'), decoderHash: 'ab12' },
  steps: [
    { method: 'forward', params: { media: { image: path.join(ws, 'images/a.png') }, question }, result: { answer: 'left', logprobs: { left: -0.1 } } },
    { method: 'probe', params: { bank: path.join(ws, 'bank.safetensors'), media: { image: path.join(ws, 'images/a.png') }, question }, result: { objects: [] } },
    { method: 'steer', params: { bank: '/cache/banks/ab12-spatial.safetensors', media: { image: path.join(ws, 'images/a.png') }, question, object: 'red circle', targetCell: 3, layers: [2] } },
    {
      method: 'forward',
      params: { media: { image: path.join(ws, 'images/a.png') }, question, interventions: [{ kind: 'patch', layer: 1, positions: 'media', from: { image: path.join(ws, 'images/b.png') } }] },
    },
    { method: 'deriveIds', params: { out: path.join(ws, 'out/bank.safetensors'), baseline: path.join(ws, 'models/mine-random-init') } },
  ],
  ui: { media: { kind: 'image', path: path.join(ws, 'images/a.png') }, actions: [{ kind: 'run' }, { kind: 'layer', layer: 3 }, { kind: 'steer' }] },
});

test('a file stores paths relative to its folder and resolves them against the reader\'s, on another checkout path', () => {
  const stored = storeExperiment(experimentAt('/home/ann/ws'), '/home/ann/ws/experiments', { isDefaultBank: (b) => b.startsWith('/cache/'), now: new Date('2026-01-02T00:00:00Z') });
  assert.equal(stored.format, 'spatial-id-lens/experiment');
  assert.equal(stored.version, 2);
  assert.deepEqual(stored.model, { folder: '../models/mine', name: 'mine', decoderHash: 'ab12' });
  assert.deepEqual(stored.steps[0].params.media, { image: '../images/a.png' });
  assert.equal(stored.steps[1].params.bank, '../bank.safetensors');
  assert.equal('bank' in stored.steps[2].params, false, "the editor's cached default bank is left out");
  assert.deepEqual((stored.steps[3].params.interventions as { from: unknown }[])[0].from, { image: '../images/b.png' });
  assert.equal(stored.steps[4].params.out, '../out/bank.safetensors');
  assert.equal(stored.steps[4].params.baseline, '../models/mine-random-init');
  assert.equal(stored.ui?.media?.path, '../images/a.png');
  assert.doesNotMatch(JSON.stringify(stored), /\/home\/ann/, 'no absolute path of the writer is left');

  const read = resolveExperiment(parseExperimentFile(JSON.parse(JSON.stringify(stored)), 'e.json'), '/srv/bob/checkout/experiments', { bundledModelDir: BUNDLED });
  const moved = experimentAt('/srv/bob/checkout');
  delete moved.steps[2].params.bank;
  assert.deepEqual(read, { createdAt: '2026-01-02T00:00:00.000Z', ...moved });
});

test('the bundled model is stored by name and found in the reader\'s installation', () => {
  const exp = { ...experimentAt('/ws'), model: { dir: BUNDLED, decoderHash: 'ff' } };
  const stored = storeExperiment(exp, '/ws', { bundledModelDir: BUNDLED });
  assert.deepEqual(stored.model, { bundled: 'tiny-spatial-vlm', decoderHash: 'ff' });
  assert.equal(resolveExperiment(stored, '/elsewhere', { bundledModelDir: '/usr/lib/sil/models/tiny-spatial-vlm' }).model.dir, '/usr/lib/sil/models/tiny-spatial-vlm');
  assert.throws(() => resolveExperiment(stored, '/elsewhere', { bundledModelDir: '/x/other-model', file: 'e.json' }), /e\.json was run on the bundled model tiny-spatial-vlm, but this Spatial ID Lens bundles other-model/);
});

test('the random-init control ships too and is stored by name like the bundled model', () => {
  const control = '/opt/sil/models/tiny-spatial-vlm-random-init';
  const stored = storeExperiment({ ...experimentAt('/ws'), model: { dir: control, decoderHash: 'ee' } }, '/ws', { bundledModelDir: BUNDLED, otherBundledDirs: [control] });
  assert.deepEqual(stored.model, { bundled: 'tiny-spatial-vlm-random-init', decoderHash: 'ee' });
  const reader = { bundledModelDir: '/usr/sil/models/tiny-spatial-vlm', otherBundledDirs: ['/usr/sil/models/tiny-spatial-vlm-random-init'] };
  assert.equal(resolveExperiment(stored, '/elsewhere', reader).model.dir, '/usr/sil/models/tiny-spatial-vlm-random-init');
});

test("a model folder not found at its relative path is found by its folder name among the reader's model folders", () => {
  const stored = storeExperiment(experimentAt('/home/ann/ws'), '/home/ann/ws/experiments');
  const there = new Set(['/data/models/mine', '/srv/bob/checkout/models/mine']);
  const exists = (d: string) => there.has(d);
  assert.equal(resolveExperiment(stored, '/srv/bob/checkout/experiments', { bundledModelDir: BUNDLED, exists }).model.dir, '/srv/bob/checkout/models/mine', 'the relative folder first');
  assert.equal(resolveExperiment(stored, '/tmp/x', { bundledModelDir: BUNDLED, exists, modelDirs: ['/data/other', '/data/models/mine'] }).model.dir, '/data/models/mine');
  // an old file with the writer's absolute path: found by the folder's name too
  const old = { ...stored, model: { folder: '/home/ann/.vscode/extensions/sil-1.2.0/models/mine', decoderHash: 'ab12' } };
  assert.equal(resolveExperiment(old, '/tmp/x', { bundledModelDir: BUNDLED, exists, modelDirs: ['/data/models/mine'] }).model.dir, '/data/models/mine');
  assert.equal(resolveExperiment(old, '/tmp/x', { bundledModelDir: BUNDLED, exists, modelDirs: [] }).model.dir, old.model.folder, 'none known: the stored path, for the load to name');
});

test('a decoder hash that differs is reported with both hashes; an unknown one is not', () => {
  const exp = resolveExperiment(storeExperiment(experimentAt('/ws'), '/ws'), '/ws', { bundledModelDir: BUNDLED });
  assert.equal(modelMismatch(exp, { dir: '/ws/models/mine', decoderHash: 'ab12' }, 'e.json'), null);
  assert.match(modelMismatch(exp, { dir: '/m', decoderHash: 'cd34' }, 'e.json') ?? '', /e\.json was run on a model with decoder hash ab12 .* the model at \/m has cd34/);
  assert.equal(modelMismatch({ ...exp, model: { dir: '/m', decoderHash: null } }, { dir: '/m', decoderHash: 'cd34' }, 'e.json'), null);
});

test("a step's params are checked by its request's schema when the file is read, before any re-run", () => {
  const file = (steps: unknown[]) => ({ format: 'spatial-id-lens/experiment', version: 2, model: { folder: 'm', decoderHash: null }, steps });
  const refused = (steps: unknown[], words: RegExp) => assert.throws(() => parseExperimentFile(file(steps), 'x.json'), (e: unknown) => e instanceof CodedError && e.code === ErrorCodes.badRequest && words.test(e.message));
  refused([{ method: 'steer', params: { batch: 1e9 } }], /x\.json cannot be re-run: step 1 \(steer\): batch must be a whole number from 1 to 2000 \(got 1000000000\)/);
  refused([{ method: 'sweepPatches', params: { batch: 2, seed: -1 } }], /seed must be a whole number from 0/);
  refused([{ method: 'forward', params: { media: { image: 'a.png' }, question: 'q', extra: 1 } }], /unknown key "extra"/);
  refused([{ method: 'train', params: {} }], /x\.json: steps\[0\]\.method must be one of forward, deriveIds, deriveTids, probe, steer, sweepPatches/);
  refused([{ method: 'forward' }], /steps\[0\]\.params must be the request params/);
  assert.throws(() => parseExperimentFile({ ...file([]), model: { decoderHash: null } }, 'x.json'), /exactly one of "folder"/);
  assert.throws(() => parseExperimentFile({ ...file([]), version: 3 }, 'x.json'), /version 3 experiment, newer than this Spatial ID Lens reads \(version 2\): update/);
  assert.throws(() => parseExperimentFile([1], 'x.json'), /x\.json is not a Spatial ID Lens experiment: it holds a list/);
  assert.throws(() => parseExperimentFile({ format: 'other' }, 'x.json'), /x\.json is not a Spatial ID Lens experiment: its "format" is "other", not "spatial-id-lens\/experiment"/);
  assert.equal(parseExperimentFile(file([{ method: 'sweepPatches', params: { batch: 2 } }]), 'x.json').steps.length, 1);
});

test('older files are migrated when read (the CLI\'s experiment@1, the editor\'s version 1) or refused with what to do', () => {
  const v1 = { format: 'spatial-id-lens/experiment@1', command: 'patch-sweep', model: '/abs/model', params: { batch: 2, relation: 'aboveBelow' } };
  const fromCli = parseExperimentFile({ experiment: v1, results: { n: 2 } }, 'r.json');
  assert.deepEqual(fromCli.model, { folder: '/abs/model', decoderHash: null });
  assert.deepEqual(fromCli.steps, [{ method: 'sweepPatches', params: { batch: 2, relation: 'aboveBelow' }, result: { n: 2 } }]);
  assert.equal(resolveExperiment(fromCli, '/anywhere', { bundledModelDir: BUNDLED }).model.dir, '/abs/model', 'absolute paths of old files stay');
  assert.throws(() => parseExperimentFile({ ...v1, command: 'train' }, 'bad.json'), /bad\.json is a Spatial ID Lens experiment \(version 1\) but lacks .*derive-ids/);
  assert.throws(() => parseExperimentFile({ ...v1, params: { batch: 1e9 } }, 'bad.json'), /step 1 \(sweepPatches\): batch must be a whole number/);

  const panelV1 = {
    format: 'spatial-id-lens/experiment',
    version: 1,
    createdAt: 'then',
    media: { kind: 'image', path: '/w/a.png' },
    model: { dir: '/w/m', decoderHash: 'ab' },
    actions: [
      { method: 'spatialIds/forward', params: { media: { image: '/w/a.png' }, question }, result: { answer: 'left' }, seconds: 0.2 },
      { method: 'spatialIds/steer', params: { batch: 2 }, error: { code: -32013, message: 'no' } },
      { method: 'spatialIds/patchSweep', params: { batch: 2 }, result: { n: 2 } },
    ],
    panel: { format: 'spatial-id-lens/panel-log', actions: [{ kind: 'run', forward: {}, result: {} }, { kind: 'layer', layer: 2 }, { kind: 'selectObject', object: 'red circle' }, { kind: 'patchSweep', params: {}, result: {} }] },
  };
  const fromPanel = parseExperimentFile(panelV1, 'p.json');
  assert.deepEqual(fromPanel.steps.map((s) => s.method), ['forward', 'steer', 'sweepPatches'], 'the sweep under its new name');
  assert.deepEqual(fromPanel.steps[1].error, { code: -32013, message: 'no' });
  assert.deepEqual(fromPanel.ui, { media: { kind: 'image', path: '/w/a.png' }, actions: [{ kind: 'run' }, { kind: 'layer', layer: 2 }, { kind: 'selectObject', object: 'red circle' }, { kind: 'sweepPatches' }] });
  assert.throws(() => parseExperimentFile({ ...panelV1, model: null }, 'p.json'), /saved before a model had loaded/);

  assert.throws(() => parseExperimentFile({ format: 'spatial-id-lens/panel-log', version: 1, actions: [] }, 'log.json'), /log\.json is a panel log of an older Spatial ID Lens.*Save experiment/);
  assert.throws(() => parseExperimentFile({ exportedAt: 'x', model: null, experiments: [], commandResults: [] }, 'export.json'), /export\.json is an Export Results\.\.\. file of an older Spatial ID Lens/);
});

test('one comparator: relative 1e-4 with an absolute floor, every field including the seeded noise control', () => {
  assert.equal(sameNumber(1000, 1000.05), true, 'relative 1e-4 of large values');
  assert.equal(sameNumber(1000, 1000.2), false);
  assert.equal(sameNumber(0, 5e-5), true, 'absolute floor near 0');
  assert.equal(sameNumber(0, 2e-4), false);
  const saved = { single: { answerAfter: 'right', logprobsNoise: { left: -2, right: -0.2 } }, seconds: 3, bank: '/a' };
  assert.deepEqual(resultDifferences(saved, { ...saved, seconds: 9, bank: '/b' }), [], 'timings and paths are not compared');
  assert.deepEqual(resultDifferences(saved, { ...saved, single: { ...saved.single, logprobsNoise: { left: -2.5, right: -0.2 } } }), [{ field: 'single.logprobsNoise.left', saved: -2, fresh: -2.5 }]);
  assert.deepEqual(resultDifferences({ a: [1, 2] }, { a: [1] }), [{ field: 'a.length', saved: 2, fresh: 1 }]);
  assert.deepEqual(resultDifferences({ a: 1 }, { a: 1, b: 2 }), [], 'a field the saved result does not have (added by a later version) is not compared');
  assert.deepEqual(resultDifferences({ a: 1, b: 2 }, { a: 1 }), [{ field: 'b', saved: 2, fresh: undefined }], 'a saved field the fresh result lacks differs');

  const steps = compareSteps(
    [
      { method: 'forward', result: { logprobs: { left: -0.5 } } },
      { method: 'probe' },
      { method: 'steer', error: { code: 1, message: 'x' } },
      { method: 'sweepPatches', result: { n: 1 } },
    ],
    [
      { method: 'forward', result: { logprobs: { left: -0.143 } } },
      { method: 'probe', result: { any: 1 } },
      { method: 'steer', error: { code: 1, message: 'worded otherwise' } },
      { method: 'sweepPatches', error: { code: 2, message: 'failed' } },
    ],
  );
  assert.deepEqual(steps.map((d) => describeStep(d)), ['step 1 (forward): logprobs.left -0.5 became -0.143', 'step 4 (sweepPatches): outcome "a result" became "error: failed"']);
});

test("the bundled model's measured analyses (its model card's figures) are read as experiments, whichever version wrote them", () => {
  const folder = path.resolve(__dirname, '../../models/tiny-spatial-vlm/logs/analyses');
  const files = fs.readdirSync(folder).filter((f) => f.endsWith('.json'));
  assert.ok(files.length > 0, `analyses logs in ${folder}`);
  for (const f of files) {
    const exp = parseExperimentFile(JSON.parse(fs.readFileSync(path.join(folder, f), 'utf8')), f);
    assert.equal(exp.steps.length, 1, f);
    assert.ok(exp.steps[0].result !== undefined, `${f} keeps its results to compare a re-run with`);
  }
});

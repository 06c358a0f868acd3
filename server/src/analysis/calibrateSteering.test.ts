import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CalibrationPoint, SteeringCalibration } from '../../../protocol/requests';
import { ModelRunner } from '../run/modelRunner';
import { deriveIds, steer } from './analysisRequests';
import { CALIBRATION_SEED, calibrateSteering, candidateLayers, chooseFactor } from './calibrateSteering';
import { deriveSpatialIds, planSpatialIds } from './deriveSpatialIds';
import { IdBank, loadIdBank, saveIdBank } from './idBank';
import { DEFAULT_STEERING_FACTOR, steeringFactorFor } from './steerObject';

/**
 * The factor choice on made-up sweeps (saturation, the noise control, no effect), the fallback of
 * banks without a calibration, and one small calibration on the bundled model end to end.
 */

const rate = (k: number, n: number) => ({ rate: n ? k / n : NaN, low: 0, high: 1, n });
const point = (factor: number, steer: number, noise: number, n = 20): CalibrationPoint => ({ factor, layers: [2], steering: rate(steer, n), noise: rate(noise, n) });

describe('chooseFactor', () => {
  test('the smallest factor whose steering-minus-noise rate is within the tolerance of the best', () => {
    // the bundled model's shape: steering saturates by factor 1, noise grows with the factor
    const sweep = [point(0.25, 4, 0), point(0.5, 15, 0), point(1, 20, 0), point(2, 20, 2), point(3, 19, 3), point(5, 19, 6)];
    assert.equal(chooseFactor(sweep)?.factor, 1);
    assert.equal(chooseFactor(sweep, 0.3)?.factor, 0.5, 'a looser tolerance accepts less saturated factors');
  });

  test('noise that flips as often as steering counts against a factor', () => {
    // flip rate alone would pick 5 (100%); steering beyond noise is best at 3
    const sweep = [point(1, 8, 0), point(2, 12, 0), point(3, 15, 1), point(5, 20, 10)];
    assert.equal(chooseFactor(sweep)?.factor, 3);
  });

  test('no factor when steering never beats noise by the minimum, or no item had an answer', () => {
    assert.equal(chooseFactor([point(1, 2, 0), point(5, 6, 4)]), null);
    assert.equal(chooseFactor([point(1, 0, 0, 0), point(5, 0, 0, 0)]), null);
  });
});

test('candidate layers: every layer but the last on shallow models, at most 8 in the middle third of deep ones', () => {
  assert.deepEqual(candidateLayers(6), [1, 2, 3, 4, 5]);
  assert.deepEqual(candidateLayers(2), [1]);
  const deep = candidateLayers(28);
  assert.ok(deep.length <= 8 && deep.length >= 6, String(deep));
  assert.ok(deep.every((l) => l >= 9 && l <= 19), String(deep));
});

describe('the factor a steering request uses', () => {
  const bankWith = (calibration?: Partial<SteeringCalibration>) => ({ meta: { calibration } }) as unknown as IdBank;
  test('the request wins, then the bank, then the paper with the reason', () => {
    assert.deepEqual(steeringFactorFor(bankWith({ factor: 1 }), 5), { factor: 5, source: 'request' });
    assert.deepEqual(steeringFactorFor(bankWith({ factor: 1 }), undefined), { factor: 1, source: 'bank' });
    const old = steeringFactorFor(bankWith(undefined), undefined);
    assert.equal(old.factor, DEFAULT_STEERING_FACTOR);
    assert.equal(old.source, 'default');
    assert.match(old.note!, /no calibrated steering factor.*derive it again/);
    const none = steeringFactorFor(bankWith({ factor: null, minSeparation: 0.2, note: 'steering beat noise by under 20%' }), undefined);
    assert.equal(none.factor, DEFAULT_STEERING_FACTOR);
    assert.match(none.note!, /found no factor/);
  });
});

const ROOT = path.resolve(__dirname, '../../../..');
const MODEL = path.join(ROOT, 'models/tiny-spatial-vlm');
const skip = fs.existsSync(path.join(MODEL, 'onnx/decoder_model_merged.onnx')) ? false : 'no bundled model';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sil-calibrate-'));
const SMALL = { objects: ['red circle', 'blue square'], sizes: [14] };

describe('calibration on the bundled model', { skip }, () => {
  let runner: ModelRunner;
  before(async () => {
    runner = await ModelRunner.load(MODEL, { cacheDir: path.join(tmp, 'cache') });
  });
  after(async () => {
    await runner?.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('derive-ids stores the calibrated factor; steer uses it by default and says so', async () => {
    const out = path.join(tmp, 'bank.safetensors');
    const summary = await deriveIds(runner, { ...SMALL, out, baseline: null, calibrationItems: 8 }, 'spatial');
    const c = summary.calibration!;
    assert.equal(c.items, 8);
    assert.equal(c.seed, CALIBRATION_SEED);
    assert.deepEqual(c.candidateLayers, [1, 2, 3, 4, 5]);
    assert.ok(c.sweep.length >= 1 && c.sweep.every((p) => p.steering.n === c.sweep[0].steering.n && p.steering.n > 0));
    // the model card: layer 2 flips all left/right answers from factor 1 on, with noise near 0
    assert.ok(c.factor !== null && c.factor <= 2, c.note);
    assert.deepEqual(c.chosen!.layers, [2], c.note);
    assert.ok(c.chosen!.steering.rate - c.chosen!.noise.rate >= 0.5, c.note);
    assert.deepEqual(loadIdBank(out).meta.calibration, JSON.parse(JSON.stringify(c)), 'stored in the bank as reported');

    const r = await steer(runner, { bank: out, batch: 4, bands: [[2]] });
    assert.equal(r.factor, c.factor);
    assert.equal(r.factorSource, 'bank');
    assert.equal(r.factorNote, undefined);
    const explicit = await steer(runner, { bank: out, batch: 4, bands: [[2]], factor: 5 });
    assert.deepEqual([explicit.factor, explicit.factorSource], [5, 'request']);
  });

  test('calibration is deterministic, and an old bank without one still steers at the paper factor with a note', async () => {
    const bank = await deriveSpatialIds(runner, planSpatialIds(SMALL));
    const opts = { items: 4, factors: [1, 5] };
    const a = await calibrateSteering(runner, bank, opts);
    const b = await calibrateSteering(runner, bank, opts);
    assert.deepEqual(a, b);
    const old = path.join(tmp, 'old.safetensors');
    saveIdBank(old, bank);
    assert.equal(loadIdBank(old).meta.calibration, undefined);
    const r = await steer(runner, { bank: old, batch: 2, bands: [[2]] });
    assert.equal(r.factor, DEFAULT_STEERING_FACTOR);
    assert.equal(r.factorSource, 'default');
    assert.match(r.factorNote!, /no calibrated steering factor/);
    assert.equal(r.perLayer![0].noise.n, r.perLayer![0].steering.n, 'the noise control beside the steering rate');
  });

  test('cancelling stops the calibration', async () => {
    const bank = await deriveSpatialIds(runner, planSpatialIds(SMALL));
    let runs = 0;
    await assert.rejects(calibrateSteering(runner, bank, { items: 4 }, { isCancelled: () => ++runs > 3 }), { name: 'CancelledError' });
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes } from './errors';
import { LIMITS } from './requestLimits';
import { PARAMS_SCHEMAS, ParamsMethod, paramsSchemaOf } from './requestSchemas';
import { checkParams, fieldName, showValue, validateParams } from './requestValidation';
import { CodedError } from './errors';

const media = { image: '/ws/scene.png' };
const question = 'Is the red circle to the left or right of the blue square?';
const check = (method: ParamsMethod, params: unknown) => validateParams(paramsSchemaOf(method), params, method);
const message = (method: ParamsMethod, params: unknown) => {
  const r = check(method, params);
  assert.equal(r.ok, false, `${method} ${JSON.stringify(params)} should be refused`);
  return r.ok ? '' : r.message;
};

test('the params the extension, the webview and the CLI send are accepted as they are', () => {
  const vector = new Array(128).fill(0.25);
  const valid: Array<[ParamsMethod, object]> = [
    ['spatialIds/loadModel', {}],
    ['spatialIds/loadModel', { dir: '/models/m', threads: 4, executionProviders: ['cuda', 'cpu'] }],
    ['spatialIds/forward', { media, question, answers: ['left', 'right'], capture: { layers: [0, 6], positions: { words: ['red circle'] } }, maxNewTokens: 4 }],
    ['spatialIds/forward', { media: { video: '/ws/clip.mp4' }, question, interventions: [{ kind: 'add', layer: 3, positions: 'media', vector }, { kind: 'patch', layer: 2, positions: [1, 2], from: { image: '/ws/b.png', question } }] }],
    ['spatialIds/deriveIds', { out: '/tmp/bank.safetensors', overwrite: true, objects: ['red circle', 'blue square'], grid: 4, sizes: [10, 14, 18, 22], seed: 1, baseline: null }],
    ['spatialIds/deriveTids', { frames: 8, baseline: '/models/m-random-init' }],
    ['spatialIds/probe', { bank: '/b.safetensors', media, question, objects: ['red circle'], boxes: { 'red circle': { x: 0.1, y: 0.2, width: 0.25, height: 0.5 } } }],
    ['spatialIds/steer', { bank: '/b.safetensors', media, question, object: 'red circle', targetCell: 3, layers: [2, 3], factor: 5 }],
    ['spatialIds/steer', { bank: '/b.safetensors', layers: [2, 3], factor: 5, batch: 40, opposite: true }],
    ['spatialIds/steer', { batch: 3, bands: [[3], [2, 3]], seed: 7, relation: 'beforeAfter' }],
    ['spatialIds/sweepPatches', { batch: 40, relation: 'aboveBelow' }],
    ['spatialIds/sweepPatches', { media, question }],
  ];
  for (const [method, params] of valid) {
    const r = check(method, params);
    assert.ok(r.ok, `${method} ${JSON.stringify(params)}: ${r.ok ? '' : r.message}`);
    assert.deepEqual(r.value, params);
  }
  // the one default the schema fills: an empty capture spec captures everything
  const r = check('spatialIds/forward', { media, question, capture: {} });
  assert.deepEqual(r.ok && (r.value as { capture: unknown }).capture, { layers: 'all', positions: 'all' });
});

test('a refusal names the field, the value received and what it must be', () => {
  assert.equal(message('spatialIds/steer', { batch: 1e9 }), 'spatialIds/steer: batch must be a whole number from 1 to 2000 (got 1000000000).');
  assert.equal(message('spatialIds/steer', { batch: -5 }), 'spatialIds/steer: batch must be a whole number from 1 to 2000 (got -5).');
  for (const batch of ['3', [2], true]) assert.match(message('spatialIds/steer', { batch }), /batch must be a whole number from 1 to 2000/, JSON.stringify(batch));
  assert.match(message('spatialIds/steer', { batch: 2, opposite: 'yes' }), /opposite must be true or false \(a JSON boolean, not a string or a number\) \(got "yes"\)/);
  assert.match(message('spatialIds/deriveIds', { out: '/b', overwrite: 'false' }), /overwrite must be true or false .*\(got "false"\)/);
  assert.match(message('spatialIds/deriveIds', { objects: 'red circle' }), /objects must be a list of 2 to 8 objects "colour shape" \(got "red circle"\)\.$/);
  assert.match(message('spatialIds/deriveIds', { grid: 10000, sizes: [0.001] }), /grid must be a whole number from 2 to 8 \(got 10000\); sizes\[0\] must be a number from 6 to 48 \(got 0\.001\)/);
  assert.match(message('spatialIds/deriveTids', { frames: 1e9 }), /frames must be a whole number from 2 to 64/);
  assert.match(message('spatialIds/probe', { question }), /media must be \{"image": file\} or \{"video": file\} \(got nothing\)/);
  assert.match(message('spatialIds/forward', { media, question: 'x'.repeat(80_000) }), /question must be .*at most 2000 characters\) \(got a string of 80000 characters\)/);
});

test('a number beyond float32 is refused, though finite as a double', () => {
  const vector = [LIMITS.float32Max, -LIMITS.float32Max];
  assert.ok(check('spatialIds/forward', { media, question, interventions: [{ kind: 'add', layer: 1, positions: 'all', vector }] }).ok);
  assert.match(message('spatialIds/forward', { media, question, interventions: [{ kind: 'add', layer: 1, positions: 'all', vector: [0, 1e39] }] }), /interventions\[0\]\.vector\[1\] must be a finite number \(\|v\| <= 3\.4028234663852886e\+38, the float32 range\) \(got 1e\+39\)/);
});

test('unknown keys are refused with the known ones named, and without the noise of the fields they displaced', () => {
  assert.equal(
    message('spatialIds/sweepPatches', { batchSize: 3 }),
    'spatialIds/sweepPatches: params has an unknown key "batchSize": the known keys are model, media, question, objects, answers, batch, relation, seed (check the spelling).',
  );
  assert.match(message('spatialIds/forward', { media: { image: '/a.png', page: 2 }, question }), /media has an unknown key "page": the known keys are image \(check the spelling\)/);
  assert.match(message('spatialIds/deriveTids', { grid: 4 }), /unknown key "grid"/);
});

test('batch and single-input fields are not mixed: what one mode would ignore is refused', () => {
  assert.match(message('spatialIds/steer', { batch: 3, media, question }), /media must be left out with batch .*; question must be left out with batch/);
  assert.match(message('spatialIds/steer', { media, question, object: 'red circle' }), /^spatialIds\/steer: targetCell must be given for a single input \(media, question, object, targetCell are needed\), or give batch/);
  assert.match(message('spatialIds/sweepPatches', { media, question, relation: 'leftRight' }), /relation must be given only with batch/);
  assert.match(message('spatialIds/sweepPatches', {}), /media must be given for a single input/);
});

test('checkParams throws the message as a badRequest CodedError; values are shown short', () => {
  assert.throws(() => checkParams(PARAMS_SCHEMAS['spatialIds/loadModel'], { threads: 0 }, 'spatialIds/loadModel'), (e: unknown) => e instanceof CodedError && e.code === ErrorCodes.badRequest && /threads must be a whole number from 1 to 256 \(got 0\)/.test(e.message));
  assert.equal(fieldName(['interventions', 0, 'vector', 3]), 'interventions[0].vector[3]');
  assert.equal(fieldName([]), 'params');
  assert.equal(showValue(Number.NaN), 'NaN');
  assert.equal(showValue(undefined), 'nothing');
  assert.equal(showValue(new Array(100).fill(0)), 'a list of 100 items');
  assert.equal(showValue({ a: 'x'.repeat(200) }).length, 100);
});

test('an intervention\'s component: "resid" and the reserved "attn_out" / "mlp_out" are admitted (the run API refuses the reserved ones); others are named', () => {
  const vector = new Array(128).fill(0.25);
  for (const component of ['resid', 'attn_out', 'mlp_out']) {
    const params = { media, question, interventions: [{ kind: 'add', layer: 3, component, positions: 'media', vector }, { kind: 'patch', layer: 2, component, positions: [1], from: media }] };
    const r = check('spatialIds/forward', params);
    assert.ok(r.ok, `${component}: ${r.ok ? '' : r.message}`);
    assert.deepEqual(r.value, params);
  }
  assert.match(message('spatialIds/forward', { media, question, interventions: [{ kind: 'add', layer: 3, component: 'resid_post', positions: 'media', vector }] }), /interventions\[0\]\.component must be one of "resid" \(the residual stream\), "attn_out", "mlp_out"/);
});

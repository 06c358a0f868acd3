import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REQUEST_TYPES } from './requests';
import { paramsSchemaOf } from './requestSchemas';
import { validateParams } from './requestValidation';

/** The flip map's params: what the panel and the CLI send is accepted; each mistake is named with its fix. */

const media = { image: '/ws/scene.png' };
const question = 'Is the red circle to the left or right of the blue square?';
const check = (params: unknown) => validateParams(paramsSchemaOf('spatialIds/flipMap'), params, 'spatialIds/flipMap');

test('the flip map is a request type of the registry', () => {
  assert.equal(REQUEST_TYPES.flipMap.method, 'spatialIds/flipMap');
});

test('the params the panel and the CLI send are accepted as they are', () => {
  for (const params of [
    { media, question, object: 'red circle' },
    { bank: '/b.safetensors', media, question, object: 'red circle', layers: [2, 3], factor: 2, seed: 3, objects: ['red circle', 'blue square'], answers: ['left', 'right'] },
    { media: { video: '/ws/clip.mp4' }, question: 'Does the red circle appear before or after the blue square?', object: 'red circle' },
  ]) {
    const r = check(params);
    assert.ok(r.ok, r.ok ? '' : r.message);
  }
});

test('each mistake is refused naming the field, the value and what it must be', () => {
  const refused = (params: unknown) => {
    const r = check(params);
    assert.equal(r.ok, false, JSON.stringify(params));
    return r.ok ? '' : r.message;
  };
  assert.match(refused({ media, question }), /^spatialIds\/flipMap: object must be a word/);
  assert.match(refused({ media, question, object: 'red circle', targetCell: 3 }), /unknown key "targetCell"/);
  assert.match(refused({ media, question, object: 'red circle', answers: ['left'] }), /answers must be a list of 2 to/);
  assert.match(refused({ media, question, object: 'red circle', layers: [] }), /layers must be a list of 1 to/);
  assert.match(refused({ media, question, object: 'red circle', factor: -1 }), /factor must be a number from/);
  assert.match(refused({ media, question, object: 'red circle', batch: 10 }), /unknown key "batch"/);
});

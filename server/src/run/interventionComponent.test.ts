import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { CodedError, ErrorCodes } from '../../../protocol/errors';
import { BUNDLED_MODEL, SceneImage, makeTempDir, writeSceneImage } from '../../test/support/sceneFixture';
import { checkInterventionComponent } from './interventionComponent';
import { ModelRunner } from './modelRunner';

/**
 * An intervention's `component`: "resid" (the default) writes the residual stream; the
 * reserved "attn_out" and "mlp_out" are refused as not yet supported, with a coded badRequest,
 * before any run, and the runner serves the next request as before.
 */

const present = fs.existsSync(path.join(BUNDLED_MODEL, 'onnx/decoder_model_merged.onnx'));
const skip = present ? false : 'no bundled model';
const dir = makeTempDir('component');
let runner: ModelRunner;
let scene: SceneImage;

before(async () => {
  if (skip) return;
  scene = await writeSceneImage(dir);
  runner = await ModelRunner.load(BUNDLED_MODEL, { cacheDir: path.join(dir, 'cache') });
});

after(async () => {
  await runner?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

const vector = () => Array.from({ length: runner.hiddenSize }, (_, i) => Math.cos(i) * 4);

test('"resid" is the default: the same logits with and without it, and they differ from the plain run', { skip }, async () => {
  const base = { media: { image: scene.file }, question: scene.question };
  const add = { kind: 'add' as const, layer: 3, positions: { words: [scene.objects[0]] }, vector: vector() };
  const plain = await runner.forward(base);
  const implicit = await runner.forward({ ...base, interventions: [add] });
  const explicit = await runner.forward({ ...base, interventions: [{ ...add, component: 'resid' }] });
  assert.deepEqual(explicit.logits, implicit.logits);
  assert.notDeepEqual(implicit.logits, plain.logits, 'the steering vector moved the logits');
});

for (const component of ['attn_out', 'mlp_out'] as const) {
  test(`"${component}" is reserved: refused as not yet supported (badRequest), and the next run is served`, { skip }, async () => {
    const base = { media: { image: scene.file }, question: scene.question };
    const refused = (e: unknown) => {
      assert.ok(e instanceof CodedError, String(e));
      assert.equal(e.code, ErrorCodes.badRequest);
      assert.match(e.message, new RegExp(`interventions\\[0\\]\\.component "${component}" is not yet supported`));
      assert.match(e.message, /"resid"/, 'names what to use instead');
      return true;
    };
    await assert.rejects(runner.forward({ ...base, interventions: [{ kind: 'add', layer: 2, component, positions: 'all', vector: vector() }] }), refused);
    await assert.rejects(runner.forward({ ...base, interventions: [{ kind: 'patch', layer: 2, component, positions: 'media', from: { image: scene.file } }] }), refused);
    const next = await runner.forward(base);
    assert.ok(next.answer.length > 0);
  });
}

test('the check itself: resid or nothing passes; the reserved names and unknown ones are coded badRequests naming the field', () => {
  checkInterventionComponent(undefined);
  checkInterventionComponent('resid');
  const coded = (pattern: RegExp) => (e: unknown) => e instanceof CodedError && e.code === ErrorCodes.badRequest && pattern.test(e.message);
  assert.throws(() => checkInterventionComponent('attn_out', 'interventions[2].component'), coded(/^interventions\[2\]\.component "attn_out" is not yet supported/));
  assert.throws(() => checkInterventionComponent('mlp_out'), coded(/^component "mlp_out" is not yet supported/));
  assert.throws(() => checkInterventionComponent('hook_resid_pre' as never), coded(/"hook_resid_pre" is unknown: use "resid"/));
});

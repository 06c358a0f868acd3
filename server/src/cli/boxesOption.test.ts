import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ProbeResult } from '../../../protocol/requests';
import { BUNDLED_MODEL, type SceneImage, makeTempDir, writeSceneImage } from '../../test/support/sceneFixture';
import { PHOTO } from '../../test/support/twinFixtures';
import { runCli } from '../../test/support/cliRuns';
import { paramsFor } from './analysisOptions';
import { UsageError } from './usageError';

/** `probe --boxes`: ground-truth boxes normalised to the picture, parsed into ProbeParams.boxes and checked by the probe request's schema. */

const model = path.resolve('no-such-model');
const image = path.resolve('street.png');
const question = 'Is the dog to the left or right of the traffic light?';

test('--boxes become ProbeParams.boxes; without --objects the boxed objects are read', () => {
  assert.deepEqual(paramsFor('probe', { image, question, boxes: 'dog=0.1,0.55,0.3,0.4; traffic light=0.7,0.05,0.15,0.35' }, model), {
    media: { image },
    question,
    objects: ['dog', 'traffic light'],
    boxes: { dog: { x: 0.1, y: 0.55, width: 0.3, height: 0.4 }, 'traffic light': { x: 0.7, y: 0.05, width: 0.15, height: 0.35 } },
  });
  const p = paramsFor('probe', { image, question, objects: 'dog,traffic light', boxes: 'dog=0,0,1,1' }, model) as { objects: string[]; boxes: object };
  assert.deepEqual(p.objects, ['dog', 'traffic light'], '--objects as given');
  assert.deepEqual(p.boxes, { dog: { x: 0, y: 0, width: 1, height: 1 } });
  assert.equal('boxes' in (paramsFor('probe', { image, question, objects: 'dog' }, model) as object), false, 'no --boxes: no boxes');
});

test('malformed --boxes are usage errors; boxes outside the picture or in pixels are refused by the schema', () => {
  const cases: Array<[string, RegExp]> = [
    ['dog=0.1,0.2,0.3', /--boxes takes "object=x,y,width,height" per object.*\(got "dog=0\.1,0\.2,0\.3"\)/],
    ['=0.1,0.2,0.3,0.4', /--boxes takes "object=x,y,width,height"/],
    ['dog 0.1,0.2,0.3,0.4', /--boxes takes "object=x,y,width,height"/],
    ['dog=a,0.2,0.3,0.4', /--boxes takes a number \(got "a"\)/],
    ['dog=0.1,0.2,0.3,0.4;dog=0,0,1,1', /--boxes gives "dog" twice/],
    [';', /--boxes names no box/],
    ['dog=0.9,0.55,0.3,0.4', /probe: --boxes\.dog must be a box inside the picture: x \+ width and y \+ height at most 1/],
    ['dog=15,55,30,40', /--boxes\.dog\.x must be a fraction from 0 to 1 of the picture \(boxes are normalised; a box in pixels, .*\(got 15\)/],
  ];
  for (const [boxes, words] of cases) {
    assert.throws(() => paramsFor('probe', { image, question, boxes }, model), (e: unknown) => e instanceof UsageError && words.test(e.message), boxes);
  }
});

// The built CLI as a user runs it, on the bundled model (a bank of the scene's two objects is derived first).
const skip = fs.existsSync(path.join(BUNDLED_MODEL, 'onnx/decoder_model_merged.onnx')) ? false : 'no bundled model';

const cli = (cwd: string, ...args: string[]) => runCli(path.join(cwd, 'cache'), args);

describe('probe --boxes through the CLI', { skip }, () => {
  const tmp = makeTempDir('probe-boxes');
  const bank = path.join(tmp, 'bank.safetensors');
  let scene: SceneImage;
  before(async () => {
    scene = await writeSceneImage(tmp);
    const r = await cli(tmp, 'derive-ids', '--model', BUNDLED_MODEL, '--objects', scene.objects.join(','), '--sizes', '14', '--baseline', 'none', '--out', bank, '--json');
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const probe = async (picture: string, boxes: string): Promise<ProbeResult> => {
    const r = await cli(tmp, 'probe', '--model', BUNDLED_MODEL, '--bank', bank, '--image', picture, '--question', scene.question, '--objects', scene.objects.join(','), '--boxes', boxes, '--json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as ProbeResult;
  };

  test('on a scene: a deviation per residual layer for each boxed object, the box echoed, the picture a scene', async () => {
    const [a, b] = scene.objects;
    const result = await probe(scene.file, `${a}=0.1,0.2,0.3,0.4;${b}=0.5,0.5,0.25,0.25`);
    const layers = result.objects[0].similarity.length;
    for (const o of result.objects) {
      assert.equal(o.deviation?.length, layers, `${o.object}: one deviation per layer`);
      assert.ok(o.deviation!.every((v) => Number.isFinite(v) && v >= 0), `${o.object}: finite deviations`);
    }
    assert.deepEqual(result.objects[1].box, { x: 0.5, y: 0.5, width: 0.25, height: 0.25 });
    assert.equal(result.domain?.picture?.kind, 'scene');
  });

  test('on a photo (150 x 100): the probe says the bank is read out of its domain', async () => {
    const [a] = scene.objects;
    const result = await probe(PHOTO, `${a}=0.1,0.55,0.3,0.4`);
    assert.deepEqual(result.domain?.picture && { ...result.domain.picture, region: undefined }, { width: 150, height: 100, kind: 'photo', region: undefined });
    assert.equal(result.domain?.bank.derivedOn, 'scenes');
    assert.ok(result.objects[0].deviation!.every(Number.isFinite));
    assert.equal(result.objects[1].deviation, undefined, 'no box, no deviation');
  });
});

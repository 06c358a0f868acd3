import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mirrorScene, randomClip, randomScene, recolourScene, timeReversedClip } from './generators';
import { SeededRandom } from './random';
import { DEFAULT_BACKGROUND, Scene, cellCentre, validateScene } from './scene';
import { beforeAfterQuestion, leftRightQuestion, aboveBelowQuestion } from './questions';
import { CANVAS_SIZE, OBJECT_SIZES } from './vocabulary';

test('random scenes are deterministic from the seed and valid', () => {
  const draw = (seed: number) => randomScene(new SeededRandom(seed), { numObjects: 4, layout: 'continuous', noisyBackground: 0.5 });
  assert.deepEqual(draw(11), draw(11));
  assert.notDeepEqual(draw(11), draw(12));
  for (let s = 0; s < 50; s++) {
    validateScene(draw(s));
    validateScene(randomScene(new SeededRandom(s), { numObjects: 3, layout: 'grid' }));
  }
});

test('derived generators give item k the same stream whatever came before', () => {
  const a = SeededRandom.derive(5, 3).next();
  SeededRandom.derive(5, 2).next();
  assert.equal(SeededRandom.derive(5, 3).next(), a);
  assert.notEqual(SeededRandom.derive(6, 3).next(), a);
});

test('mirroring reflects every centre and flips left/right but not above/below', () => {
  const scene = randomScene(new SeededRandom(3), { numObjects: 2, layout: 'grid' });
  const twin = mirrorScene(scene);
  scene.objects.forEach((o, i) => {
    assert.equal(twin.objects[i].x, CANVAS_SIZE - o.x);
    assert.equal(twin.objects[i].y, o.y);
  });
  const [p, q] = [scene.objects[0], scene.objects[1]];
  if (Math.abs(p.x - q.x) >= 12) {
    assert.notEqual(leftRightQuestion(scene, 0, 1).answer, leftRightQuestion(twin, 0, 1).answer);
  }
  if (Math.abs(p.y - q.y) >= 12) {
    assert.equal(aboveBelowQuestion(scene, 0, 1).answer, aboveBelowQuestion(twin, 0, 1).answer);
  }
  const vertical = mirrorScene(scene, 'vertical');
  assert.equal(vertical.objects[0].y, CANVAS_SIZE - p.y);
  assert.deepEqual(mirrorScene(twin), scene, 'mirroring twice is the identity');
});

test('recolouring changes one colour and refuses unknown colours or clashes', () => {
  const scene: Scene = {
    width: CANVAS_SIZE,
    height: CANVAS_SIZE,
    background: DEFAULT_BACKGROUND,
    objects: [{ colour: 'red', shape: 'circle', ...cellCentre(0, 0), size: OBJECT_SIZES[0] }, { colour: 'blue', shape: 'star', ...cellCentre(1, 0), size: OBJECT_SIZES[0] }],
    oneObjectPerCell: true,
  };
  const twin = recolourScene(scene, 0, 'green');
  assert.equal(twin.objects[0].colour, 'green');
  assert.equal(twin.objects[1].colour, 'blue');
  assert.equal(scene.objects[0].colour, 'red', 'the original is untouched');
  assert.throws(() => recolourScene(scene, 0, 'mauve'), /Unknown colour "mauve"/);
  assert.throws(() => recolourScene(scene, 5, 'green'), /index 5 does not exist/);
});

test('clips give distinct appearance frames and their time-reversed twins flip before/after', () => {
  for (let s = 0; s < 20; s++) {
    const clip = randomClip(new SeededRandom(s), { numObjects: 3, layout: 'grid' });
    assert.equal(new Set(clip.appearFrame).size, 3);
    const rev = timeReversedClip(clip);
    assert.deepEqual(rev.appearFrame, clip.appearFrame.map((f) => 7 - f));
    assert.notEqual(beforeAfterQuestion(clip, 0, 1).answer, beforeAfterQuestion(rev, 0, 1).answer);
  }
  assert.throws(() => randomClip(new SeededRandom(1), { numObjects: 9, layout: 'grid' }), /distinct frames/);
});

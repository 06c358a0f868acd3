import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { preprocessImage, toPixelValues } from '../model/imagePreprocessor';
import { SeededRandom } from '../scenes/random';
import { renderScene } from '../scenes/renderScene';
import { randomWidenedScene } from '../scenes/widenedScenes';
import { bundledPreprocessor, toModelInput } from './modelFrame';

test('a widened canvas is stored as the bundled model preprocesses a picture of that size', async () => {
  const cfg = bundledPreprocessor();
  for (let seed = 0; seed < 6; seed++) {
    const scene = randomWidenedScene(new SeededRandom(seed), { numObjects: 3, layout: 'continuous' });
    const canvas = await renderScene(scene);
    const stored = await toModelInput(canvas, cfg);
    assert.deepEqual([stored.width, stored.height], [96, 96]);
    // the model fed the stored 96-px bytes sees exactly what it sees when fed the canvas itself
    assert.deepEqual(toPixelValues(stored, cfg), await preprocessImage(canvas, cfg), `${scene.width}x${scene.height}`);
  }
});

test('a folder whose preprocessor is missing is refused with the way out', () => {
  assert.throws(() => bundledPreprocessor('/nonexistent-model'), /preprocessor_config\.json.*--distribution classic/);
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
// First: transformers.js offline (transformersJs.ts sets its env before the library loads a file).
import { ProcessorOutputs, intValues, rawImageOf } from '../model/families/transformersJs';
import { planForModel, planSpatialIds } from '../analysis/deriveSpatialIds';
import { heldOutItems } from '../analysis/heldOutItems';
import { ModelRunner } from '../run/modelRunner';
import { BUNDLED_MODEL } from '../../test/support/sceneFixture';
import { TWINS, Twin, skipUnlessPresent } from '../../test/support/twinFixtures';
import { ourProcessor } from '../../test/support/twinProcessors';
import { renderScene } from './renderScene';
import { sceneCanvasOf } from './sceneGeometry';

/**
 * Each family's scenes at its own resolution, checked against its processor: the canvas is the
 * size the loaded processor keeps (no resize before its crop, tiling or patching), the rendered
 * scene has that size, and the processor's first image (or tile) is the scene's own pixels,
 * normalised (1e-6: float rounding only, no resampling). Expected sizes are read here from each
 * twin's preprocessor_config.json by the family's rule, independently of the code under test.
 */

const TOLERANCE = 1e-6;

type Config = { crop_size?: { height: number }; size?: { height?: number; longest_edge?: number }; max_image_size?: { longest_edge: number } };

/** The side each family's rule gives for a twin, and the processor outputs that show it kept the picture. */
const EXPECTED: Record<string, (cfg: Config) => { side: number; check(out: ProcessorOutputs, side: number): void }> = {
  'llava-1.5': (cfg) => ({ side: cfg.crop_size!.height, check: (out, s) => assert.deepEqual(out.pixel_values.dims, [1, 3, s, s]) }),
  'gemma-3': (cfg) => ({ side: cfg.size!.height!, check: (out, s) => assert.deepEqual(out.pixel_values.dims, [1, 3, s, s]) }),
  smolvlm: (cfg) => ({
    side: cfg.size!.longest_edge!,
    check: (out, s) => {
      const tile = cfg.max_image_size!.longest_edge;
      assert.deepEqual(out.pixel_values.dims, [1, (s / tile) ** 2 + 1, 3, tile, tile], 'whole tiles plus the global image');
    },
  }),
  // the paper's 4 x 224 px where the budget allows; the twin's max_pixels (224^2) allows 224
  'qwen2-vl': () => ({ side: 224, check: (out, s) => assert.deepEqual(intValues(out.image_grid_thw), [1, s / 14, s / 14], 'image_grid_thw = size / 14') }),
};

/** Largest difference between the processor's first image (channel-first) and the picture normalised. */
function firstImageDiff(out: ProcessorOutputs, pixels: { width: number; data: Uint8Array }, mean: number[], std: number[]): number {
  const dims = out.pixel_values.dims;
  const side = dims[dims.length - 1];
  const data = out.pixel_values.data as Float32Array;
  let worst = 0;
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const v = (pixels.data[(y * pixels.width + x) * 3 + c] / 255 - mean[c]) / std[c];
        worst = Math.max(worst, Math.abs(v - data[c * side * side + y * side + x]));
      }
    }
  }
  return worst;
}

for (const twin of TWINS) {
  describe(`${twin.name} twin: scenes at the model's own resolution`, { skip: skipUnlessPresent(twin) }, () => {
    let runner: ModelRunner;
    before(async () => {
      runner = await ModelRunner.load(twin.dir, { threads: 1 });
    });
    after(async () => runner?.dispose());

    test('the canvas is the family size, the plan and the held-out items draw at it, and the processor keeps it', async () => {
      const expected = EXPECTED[twin.name](runner.model.folder.preprocessor as Config);
      const canvas = sceneCanvasOf(runner.model);
      assert.deepEqual(canvas, { width: expected.side, height: expected.side });
      const plan = planForModel(runner, planSpatialIds({ objects: ['red circle', 'blue square'] }));
      assert.deepEqual(plan.meta.canvas, canvas);
      const item = plan.items().next().value!;
      const pixels = await renderScene(item.scene);
      assert.deepEqual([pixels.width, pixels.height], [expected.side, expected.side]);
      for await (const held of heldOutItems('leftRight', 1, 1, { canvas, distractor: true })) assert.deepEqual([held.pixels!.width, held.pixels!.height], [expected.side, expected.side]);

      const processor = await ourProcessor(twin as Twin, runner.model.folder);
      const out = (await processor.image_processor!(rawImageOf(pixels))) as ProcessorOutputs & { reshaped_input_sizes: number[][] };
      assert.deepEqual(out.reshaped_input_sizes, [[expected.side, expected.side]], 'no resize before crop, tiling or patching');
      expected.check(out, expected.side);
      if (twin.name !== 'qwen2-vl') {
        // Qwen2-VL's pixel_values are flattened patches; its grid above says the same
        const images = processor.image_processor as unknown as { image_mean: number[]; image_std: number[] };
        const diff = firstImageDiff(out, pixels, images.image_mean, images.image_std);
        assert.ok(diff <= TOLERANCE, `the processor's first image is the scene's pixels (max diff ${diff})`);
      }
    });
  });
}

test('the bundled model keeps its 96-px canvas and 10-22 px objects', async () => {
  const runner = await ModelRunner.load(BUNDLED_MODEL, { threads: 1 });
  try {
    assert.deepEqual(sceneCanvasOf(runner.model), { width: 96, height: 96, objectSizes: [10, 14, 18, 22] });
    const plan = planForModel(runner, planSpatialIds({ objects: ['red circle', 'blue square'] }));
    assert.deepEqual(plan.meta.sizes, [10, 14, 18, 22]);
    const item = plan.items().next().value!;
    assert.deepEqual([item.scene.width, item.scene.objects[0].x, item.scene.objects[0].y], [96, 12, 12]);
  } finally {
    await runner.dispose();
  }
});

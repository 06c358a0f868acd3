import assert from 'node:assert/strict';
import { test } from 'node:test';
import { qwen2vlSmartResize } from '../media/huggingFaceSizes';
import { qwenSceneSide } from '../model/families/qwen2vl';
import { randomScene } from './generators';
import { SeededRandom } from './random';
import { cellOf, validateScene } from './scene';
import { BUNDLED_GEOMETRY, PAPER_SIZE_FRACTIONS, geometryCellCentre, sceneCanvasOf, sceneGeometry, scaledSizes } from './sceneGeometry';
import { CANVAS_SIZE, CELL_SIZE, GRID_SIZE, OBJECT_SIZES } from './vocabulary';

/** The grid datasets at a model's own resolution: sizes scaled to the cell as the paper's, the bundled world untouched. */

test("the bundled model's geometry is its trainer's: 96-px canvas, 24-px cells, sizes 10 to 22 px", () => {
  assert.deepEqual(BUNDLED_GEOMETRY, { width: CANVAS_SIZE, height: CANVAS_SIZE, grid: GRID_SIZE, sizes: [...OBJECT_SIZES] });
  assert.deepEqual([CANVAS_SIZE, CELL_SIZE, [...OBJECT_SIZES]], [96, 24, [10, 14, 18, 22]]);
  for (let k = 0; k < 16; k++) assert.deepEqual(geometryCellCentre(BUNDLED_GEOMETRY, k % 4, Math.floor(k / 4)), { x: ((k % 4) + 0.5) * 24, y: (Math.floor(k / 4) + 0.5) * 24 });
  assert.deepEqual(scaledSizes([10, 14.5, 22], { width: 96, height: 96 }), [10, 14.5, 22], 'request sizes are pixels of this canvas');
});

test("object sizes are the paper's fractions of a 224-px cell (74/124/174/224), scaled to each family's cell", () => {
  assert.deepEqual(PAPER_SIZE_FRACTIONS.map((f) => +f.toFixed(2)), [0.33, 0.55, 0.78, 1]);
  const cases: Array<[string, number, number[]]> = [
    ['paper / Qwen2-VL / Gemma-3 (896)', 896, [74, 124, 174, 224]],
    ['LLaVA-1.5 (336)', 336, [28, 47, 65, 84]],
    ['SmolVLM (2048)', 2048, [169, 283, 398, 512]],
    ['LLaVA twin (56)', 56, [5, 8, 11, 14]],
    ['Gemma-3 twin (64)', 64, [5, 9, 12, 16]],
    ['SmolVLM twin (128)', 128, [11, 18, 25, 32]],
  ];
  for (const [what, side, sizes] of cases) {
    const g = sceneGeometry({ width: side, height: side });
    assert.deepEqual(g.sizes, sizes, what);
    g.sizes.forEach((s, i) => assert.ok(Math.abs(s / (side / 4) - PAPER_SIZE_FRACTIONS[i]) <= 0.5 / (side / 4), `${what}: size ${s} is its fraction of the cell to half a pixel`));
  }
  assert.deepEqual(sceneGeometry({ width: 336, height: 336 }, 3).sizes, [37, 62, 87, 112], 'a 3x3 grid has 112-px cells');
  assert.deepEqual(scaledSizes([14, 24], { width: 336, height: 336 }), [49, 84], 'request sizes (96-px reference) keep their fraction of the picture');
});

test('a random grid scene on a family canvas is the bundled layout scaled: same cells, same size rank, one object per cell', () => {
  const native = sceneGeometry({ width: 336, height: 336 });
  for (let seed = 0; seed < 20; seed++) {
    const small = randomScene(new SeededRandom(seed), { numObjects: 3, layout: 'grid' });
    const big = randomScene(new SeededRandom(seed), { numObjects: 3, layout: 'grid', geometry: native });
    validateScene(big);
    assert.deepEqual([big.width, big.height], [336, 336]);
    big.objects.forEach((o, i) => {
      const s = small.objects[i];
      assert.deepEqual([o.colour, o.shape], [s.colour, s.shape]);
      assert.deepEqual(cellOf(o.x, o.y, big), cellOf(s.x, s.y, small));
      assert.equal(native.sizes.indexOf(o.size), (OBJECT_SIZES as readonly number[]).indexOf(s.size));
    });
  }
});

test('the canvas a model asks for: its own, else its fixed encoder input, else the bundled one', () => {
  const limits = (imageSize: { width: number; height: number } | null) => () => ({ imageSize });
  assert.deepEqual(sceneCanvasOf({ sceneCanvas: () => ({ width: 128, height: 128 }), mediaLimits: limits({ width: 64, height: 64 }) }), { width: 128, height: 128 });
  assert.deepEqual(sceneCanvasOf({ mediaLimits: limits({ width: 336, height: 336 }) }), { width: 336, height: 336 });
  assert.equal(sceneCanvasOf({ mediaLimits: limits(null) }).width, 96);
});

test("Qwen2-VL's canvas is the square nearest 896 px that smart_resize keeps, within min/max pixels", () => {
  const cases: Array<[number, number, number]> = [
    [3136, 12845056, 896], // Qwen2-VL-2B-Instruct and its twin
    [3136, 1003520, 896], // 1280 tokens: 896^2 = 802816 fits
    [3136, 512 * 28 * 28, 616], // 512 tokens: the largest square within max_pixels
    [1000 * 1000, 12845056, 1008], // a min above 896^2 rounds up to a multiple of 28
  ];
  for (const [min, max, side] of cases) {
    assert.equal(qwenSceneSide(28, min, max), side, `min ${min}, max ${max}`);
    assert.equal(side % 28, 0);
    assert.deepEqual(qwen2vlSmartResize(side, side, 28, min, max), [side, side], 'kept as it is');
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellOf, validateScene } from '../scenes/scene';
import { GRID_SIZE, OBJECT_SIZES } from '../scenes/vocabulary';
import type { ModelRunner } from '../run/modelRunner';
import { BUNDLED_CANVAS } from '../scenes/sceneGeometry';
import { planForModel, planSpatialIds } from './deriveSpatialIds';

/** The paper's grid dataset as the spatial ID plan makes it (METHOD.md 1). */

test('the spatial plan keeps A fixed in a corner and puts B in every other cell at every size', () => {
  const plan = planSpatialIds({ objects: ['red circle', 'blue star'] });
  const cells = GRID_SIZE * GRID_SIZE;
  const perCorner = new Map<string, Set<number>>();
  for (const it of plan.items()) {
    validateScene(it.scene);
    const [a, b] = it.scene.objects;
    const bCell = cellOf(b.x, b.y);
    const aCell = cellOf(a.x, a.y);
    assert.ok([`0,0`, `${GRID_SIZE - 1},${GRID_SIZE - 1}`].includes(`${aCell.col},${aCell.row}`), 'A sits in a corner');
    assert.notDeepEqual(bCell, aCell, "B never shares A's cell");
    const size = OBJECT_SIZES[Math.floor(it.row / cells)];
    assert.equal(b.size, size);
    assert.equal(a.size, size);
    assert.equal(it.row % cells, bCell.row * GRID_SIZE + bCell.col, 'the bank row is size-major, cells row-major');
    const key = `${it.pair}/${aCell.col},${aCell.row}`;
    const seen = perCorner.get(key) ?? new Set<number>();
    assert.ok(!seen.has(it.row), 'no cell and size repeats for one pair and corner');
    seen.add(it.row);
    perCorner.set(key, seen);
  }
  assert.equal(perCorner.size, 2 * 2, 'two ordered pairs, two corners each');
  for (const rows of perCorner.values()) assert.equal(rows.size, (cells - 1) * OBJECT_SIZES.length);
  const pairRows = [0, 1].map((pair) => new Set([...perCorner].filter(([k]) => k.startsWith(`${pair}/`)).flatMap(([, r]) => [...r])));
  for (const rows of pairRows) assert.equal(rows.size, cells * OBJECT_SIZES.length, 'the two corners together put B in every cell, the corners included');
});

test("a plan on a family's canvas scales cells and sizes to it; a plan without one is remade on the running model's", () => {
  const plan = planSpatialIds({ objects: ['red circle', 'blue star'], canvas: { width: 336, height: 336 } });
  assert.deepEqual(plan.meta.sizes, [28, 47, 65, 84], "the paper's 74/124/174/224 of a 224-px cell, on 84-px cells");
  assert.deepEqual(plan.meta.canvas, { width: 336, height: 336 });
  for (const it of plan.items()) {
    validateScene(it.scene);
    const b = it.scene.objects[1];
    assert.equal(it.row % 16, Math.floor(b.y / 84) * 4 + Math.floor(b.x / 84));
    assert.deepEqual([b.x % 84, b.y % 84], [42, 42], 'centred in its cell');
  }
  assert.deepEqual(planSpatialIds({ sizes: [12], canvas: { width: 336, height: 336 } }).meta.sizes, [42], 'request sizes are pixels of the 96-px reference canvas');
  assert.deepEqual(planSpatialIds({ objects: ['red circle', 'blue star'] }).meta.sizes, [...OBJECT_SIZES]);

  const model = (width: number) => ({ model: { sceneCanvas: () => ({ width, height: width }), mediaLimits: () => ({ imageSize: null }) }, info: () => ({ dir: '/m' }) }) as unknown as ModelRunner;
  const remade = planForModel(model(56), planSpatialIds({ objects: ['red circle', 'blue star'] }));
  assert.deepEqual([remade.meta.canvas, remade.meta.sizes, remade.count], [{ width: 56, height: 56 }, [5, 8, 11, 14], plan.count]);
  assert.throws(() => planForModel(model(56), plan), /draws scenes at 336x336 px but \/m reads 56x56-px pictures/);
  // default sizes are the model's: an 8x8 grid fits the paper's fractions on any canvas, not the bundled model's 10-22 px on 12-px cells (refused as before)
  assert.deepEqual(planForModel(model(56), planSpatialIds({ grid: 8, objects: ['red circle', 'blue star'] })).meta.sizes, [2, 4, 5, 7]);
  const bundled = { model: { sceneCanvas: () => BUNDLED_CANVAS, mediaLimits: () => ({ imageSize: null }) }, info: () => ({ dir: '/b' }) } as unknown as ModelRunner;
  assert.throws(() => planForModel(bundled, planSpatialIds({ grid: 8 })), /12\.0-px cells, too small for objects of 14 px/);
});

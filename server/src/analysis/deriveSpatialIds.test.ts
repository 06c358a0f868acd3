import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellOf, validateScene } from '../scenes/scene';
import { GRID_SIZE, OBJECT_SIZES } from '../scenes/vocabulary';
import { planSpatialIds } from './deriveSpatialIds';

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

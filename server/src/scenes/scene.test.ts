import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Scene, SceneError, cellCentre, cellOf, validateClip, validateScene } from './scene';
import { CANVAS_SIZE, CELL_SIZE } from './vocabulary';

const base = (objects: Scene['objects'], extra: Partial<Scene> = {}): Scene => ({
  width: CANVAS_SIZE,
  height: CANVAS_SIZE,
  background: { kind: 'plain', colour: '#282828' },
  objects,
  ...extra,
});

test('cell centres and cell lookup agree on every cell', () => {
  for (let row = 0; row < 4; row++) {
    for (let col = 0; col < 4; col++) {
      const { x, y } = cellCentre(col, row);
      assert.equal(x, (col + 0.5) * CELL_SIZE);
      assert.deepEqual(cellOf(x, y), { col, row });
    }
  }
  assert.deepEqual(cellOf(CANVAS_SIZE, CANVAS_SIZE), { col: 3, row: 3 }, 'the far edge belongs to the last cell');
  assert.throws(() => cellCentre(4, 0), /outside the 4x4 grid/);
});

test('an unknown colour or shape is refused with the valid names', () => {
  const bad = base([{ colour: 'mauve' as never, shape: 'circle', x: 20, y: 20, size: 10 }]);
  assert.throws(() => validateScene(bad), (e: Error) => e instanceof SceneError && /Unknown colour "mauve".*red, green/.test(e.message));
  const badShape = base([{ colour: 'red', shape: 'blob' as never, x: 20, y: 20, size: 10 }]);
  assert.throws(() => validateScene(badShape), /Unknown shape "blob".*circle/);
});

test('an object outside the canvas is refused', () => {
  assert.throws(() => validateScene(base([{ colour: 'red', shape: 'circle', x: 3, y: 40, size: 10 }])), /outside the 96x96 canvas/);
  assert.throws(() => validateScene(base([{ colour: 'red', shape: 'circle', x: 40, y: 95, size: 10 }])), /outside/);
  validateScene(base([{ colour: 'red', shape: 'circle', x: 5, y: 91, size: 10 }])); // touching the edges is fine
});

test('two objects in one cell are refused where the layout forbids it', () => {
  const objects: Scene['objects'] = [
    { colour: 'red', shape: 'circle', x: 6, y: 6, size: 10 },
    { colour: 'blue', shape: 'star', x: 18, y: 18, size: 10 },
  ];
  assert.throws(() => validateScene(base(objects, { oneObjectPerCell: true })), /both in grid cell \(row 1, column 1\)/);
  validateScene(base(objects)); // continuous layouts may share a cell
});

test('two objects with the same colour and shape are refused', () => {
  const o = { colour: 'red' as const, shape: 'circle' as const, size: 10, y: 40 };
  assert.throws(() => validateScene(base([{ ...o, x: 20 }, { ...o, x: 70 }])), /both "red circle"/);
});

test('clips need one in-range appearance frame per object', () => {
  const scene = base([{ colour: 'red', shape: 'circle', x: 20, y: 20, size: 10 }]);
  assert.throws(() => validateClip({ scene, numFrames: 8, appearFrame: [8] }), /frame 8, outside the clip's frames 0 to 7/);
  assert.throws(() => validateClip({ scene, numFrames: 0, appearFrame: [0] }), /at least one frame/);
  assert.throws(() => validateClip({ scene, numFrames: 8, appearFrame: [] }), /one appearance frame per object/);
});

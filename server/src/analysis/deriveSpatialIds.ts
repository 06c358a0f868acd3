import type { ModelRunner } from '../run/modelRunner';
import { renderScene } from '../scenes/renderScene';
import { DEFAULT_BACKGROUND, Scene } from '../scenes/scene';
import { TEMPLATES } from '../scenes/questions';
import { CANVAS_SIZE, GRID_SIZE, OBJECT_SIZES } from '../scenes/vocabulary';
import { AnalysisContext, badAnalysisRequest } from './analysisContext';
import type { IdBank } from './idBank';
import { IdItem, PlannedMeta, averageIds, checkPlanSize, planObjects } from './idAveraging';
import { DEFAULT_ID_OBJECTS, objectWord, orderedPairs } from './objectWords';

/**
 * Spatial ID derivation (METHOD.md 1): for each ordered pair (A, B), A fixed in a corner cell, B
 * in every other cell at every size, asked "Is the B to the left or right of the A?"; the
 * residual at B's token is recorded at every layer, averaged per (cell, size) within the pair,
 * centred per pair, and averaged over pairs. A sits in the top-left corner for one pass and in
 * the bottom-right for another so that B visits all cells, the corners included.
 */

export interface SpatialDeriveOptions {
  objects?: string[];
  grid?: number;
  sizes?: number[];
  seed?: number;
}

/** B's bank row: size-major, cells row-major. */
export interface GridItem extends IdItem {
  scene: Scene;
}

export interface SpatialPlan {
  meta: PlannedMeta;
  /** How many items `items()` yields. */
  count: number;
  /** The items in their fixed order, made one at a time (a plan's size never sits in memory). */
  items(): Generator<GridItem>;
}

export function planSpatialIds(opts: SpatialDeriveOptions = {}): SpatialPlan {
  const grid = opts.grid ?? GRID_SIZE;
  const sizes = opts.sizes ?? [...OBJECT_SIZES];
  const cell = CANVAS_SIZE / grid;
  if (!Number.isInteger(grid) || grid < 2) throw badAnalysisRequest(`The grid must be a whole number of cells of at least 2 per side (got ${grid}).`);
  if (!Array.isArray(sizes) || !sizes.length) throw badAnalysisRequest('Give at least one object size in pixels, e.g. sizes [14].');
  // checked before anything of the plan's size is made: a bank row per (size, cell)
  checkPlanSize(sizes.length * grid * grid, `A ${grid}x${grid} grid at ${sizes.length} size(s)`, 'use a smaller grid or fewer sizes');
  const tooBig = sizes.find((s) => !(s > 0) || s > cell);
  if (tooBig !== undefined) {
    throw badAnalysisRequest(`A ${grid}x${grid} grid on the ${CANVAS_SIZE}-px canvas has ${cell.toFixed(1)}-px cells, too small for objects of ${tooBig} px: use a smaller grid or sizes up to ${Math.floor(cell)} px.`);
  }
  const objects = planObjects(opts.objects ?? DEFAULT_ID_OBJECTS);
  const pairs = orderedPairs(objects);
  const centre = (col: number, row: number) => ({ x: Math.round((col + 0.5) * cell), y: Math.round((row + 0.5) * cell) });
  const corners = [
    { col: 0, row: 0 },
    { col: grid - 1, row: grid - 1 },
  ];
  function* items(): Generator<GridItem> {
    for (let pair = 0; pair < pairs.length; pair++) {
      const [a, b] = pairs[pair];
      for (let si = 0; si < sizes.length; si++) {
        const size = sizes[si];
        for (const fixed of corners) {
          for (let row = 0; row < grid; row++) {
            for (let col = 0; col < grid; col++) {
              if (col === fixed.col && row === fixed.row) continue;
              const scene: Scene = {
                width: CANVAS_SIZE,
                height: CANVAS_SIZE,
                background: DEFAULT_BACKGROUND,
                objects: [{ ...a, ...centre(fixed.col, fixed.row), size }, { ...b, ...centre(col, row), size }],
                oneObjectPerCell: true,
              };
              yield { pair, row: si * grid * grid + row * grid + col, scene, question: TEMPLATES.leftRight(objectWord(b), objectWord(a)), subject: objectWord(b) };
            }
          }
        }
      }
    }
  }
  const rows = sizes.flatMap((s) => Array.from({ length: grid * grid }, (_, k) => ({ x: k % grid, y: Math.floor(k / grid), s })));
  return {
    meta: {
      format: 'spatial-id-lens/id-bank@1',
      kind: 'spatial',
      grid,
      sizes,
      rows,
      pairs: pairs.map(([a, b]) => [objectWord(a), objectWord(b)]),
      questionTemplate: TEMPLATES.leftRight('{B}', '{A}'),
      seed: opts.seed ?? 0,
    },
    count: pairs.length * sizes.length * corners.length * (grid * grid - 1),
    items,
  };
}

/** Runs a plan through one model and averages into an ID bank, rendering each scene as it is reached. */
export function deriveSpatialIds(runner: ModelRunner, plan: SpatialPlan, ctx: AnalysisContext = {}): Promise<IdBank> {
  return averageIds(runner, plan.meta, plan.items(), plan.count, async (it) => ({ pixels: await renderScene(it.scene) }), 'deriving spatial IDs', ctx);
}

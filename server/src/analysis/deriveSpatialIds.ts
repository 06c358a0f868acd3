import type { ModelRunner } from '../run/modelRunner';
import { RgbImage, renderScene } from '../scenes/renderScene';
import { DEFAULT_BACKGROUND, Scene } from '../scenes/scene';
import { TEMPLATES } from '../scenes/questions';
import { CANVAS_SIZE, GRID_SIZE, OBJECT_SIZES } from '../scenes/vocabulary';
import { AnalysisContext, badAnalysisRequest, progressReporter } from './analysisContext';
import type { IdBank } from './idBank';
import { IdItem, PlannedMeta, averageIds } from './idAveraging';
import { DEFAULT_ID_OBJECTS, ObjectIdentity, objectWord, orderedPairs, parseObjectWord } from './objectWords';

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
  items: GridItem[];
}

export function planSpatialIds(opts: SpatialDeriveOptions = {}): SpatialPlan {
  const grid = opts.grid ?? GRID_SIZE;
  const sizes = opts.sizes ?? [...OBJECT_SIZES];
  const cell = CANVAS_SIZE / grid;
  if (!Number.isInteger(grid) || grid < 2) throw badAnalysisRequest(`The grid must be a whole number of cells of at least 2 per side (got ${grid}).`);
  const tooBig = sizes.find((s) => !(s > 0) || s > cell);
  if (tooBig !== undefined) {
    throw badAnalysisRequest(`A ${grid}x${grid} grid on the ${CANVAS_SIZE}-px canvas has ${cell.toFixed(1)}-px cells, too small for objects of ${tooBig} px: use a smaller grid or sizes up to ${Math.floor(cell)} px.`);
  }
  const objects: ObjectIdentity[] = (opts.objects ?? DEFAULT_ID_OBJECTS).map(parseObjectWord);
  if (new Set(objects.map(objectWord)).size < 2) throw badAnalysisRequest('Name at least two different objects to average the IDs over.');
  const pairs = orderedPairs(objects);
  const centre = (col: number, row: number) => ({ x: Math.round((col + 0.5) * cell), y: Math.round((row + 0.5) * cell) });
  const corners = [
    { col: 0, row: 0 },
    { col: grid - 1, row: grid - 1 },
  ];
  const items: GridItem[] = [];
  pairs.forEach(([a, b], pair) => {
    sizes.forEach((size, si) => {
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
            items.push({ pair, row: si * grid * grid + row * grid + col, scene, question: TEMPLATES.leftRight(objectWord(b), objectWord(a)), subject: objectWord(b) });
          }
        }
      }
    });
  });
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
    items,
  };
}

/** Renders every scene of a plan once (the baseline model reads the same pictures). */
export async function renderPlan(items: readonly { scene: Scene }[], ctx: AnalysisContext = {}): Promise<RgbImage[]> {
  const tick = progressReporter(ctx, 'rendering scenes', items.length);
  const out: RgbImage[] = [];
  for (const it of items) {
    tick(out.length);
    out.push(await renderScene(it.scene));
  }
  return out;
}

/** Runs a plan through one model and averages into an ID bank. */
export function deriveSpatialIds(runner: ModelRunner, plan: SpatialPlan, images: readonly RgbImage[], ctx: AnalysisContext = {}): Promise<IdBank> {
  return averageIds(runner, plan.meta, plan.items, (k) => ({ pixels: images[k] }), 'deriving spatial IDs', ctx);
}

import type { ModelRunner } from '../run/modelRunner';
import { renderScene } from '../scenes/renderScene';
import { DEFAULT_BACKGROUND, Scene } from '../scenes/scene';
import { TEMPLATES } from '../scenes/questions';
import { BUNDLED_CANVAS, PAPER_SIZE_FRACTIONS, REFERENCE_CANVAS, SceneCanvas, geometryCellCentre, sceneCanvasOf, sceneGeometry, scaledSizes } from '../scenes/sceneGeometry';
import { GRID_SIZE } from '../scenes/vocabulary';
import { AnalysisContext, badAnalysisRequest } from './analysisContext';
import type { IdBank } from './idBank';
import { IdItem, PlannedMeta, averageIds, checkPlanSize, planObjects } from './idAveraging';
import { DEFAULT_ID_OBJECTS, objectWord, orderedPairs } from './objectWords';

/**
 * Spatial ID derivation (METHOD.md 1): for each ordered pair (A, B), A fixed in a corner cell, B
 * in every other cell at every size, asked "Is the B to the left or right of the A?"; the
 * residual at B's token is recorded at every layer, averaged per (cell, size) within the pair,
 * centred per pair, and averaged over pairs. A sits in the top-left corner for one pass and in
 * the bottom-right for another so that B visits all cells, the corners included. Scenes are
 * drawn on the model's own canvas (scenes/sceneGeometry.ts), so its processor does not resize them.
 */

export interface SpatialDeriveOptions {
  objects?: string[];
  grid?: number;
  /** Object sizes in pixels of the 96-px reference canvas (as requests give them), scaled to the canvas; default: the canvas's own. */
  sizes?: number[];
  seed?: number;
  /** The canvas to draw on; absent: the canvas of the model that runs the plan. */
  canvas?: SceneCanvas;
}

/** B's bank row: size-major, cells row-major. */
export interface GridItem extends IdItem {
  scene: Scene;
}

export interface SpatialPlan {
  /** What the plan was made from: a plan without a canvas is remade on the running model's canvas. */
  options: SpatialDeriveOptions;
  meta: PlannedMeta;
  /** How many items `items()` yields. */
  count: number;
  /** The items in their fixed order, made one at a time (a plan's size never sits in memory). */
  items(): Generator<GridItem>;
}

export function planSpatialIds(opts: SpatialDeriveOptions = {}): SpatialPlan {
  const grid = opts.grid ?? GRID_SIZE;
  const canvas = opts.canvas ?? BUNDLED_CANVAS;
  if (!Number.isInteger(grid) || grid < 2) throw badAnalysisRequest(`The grid must be a whole number of cells of at least 2 per side (got ${grid}).`);
  const asked = opts.sizes;
  if (asked !== undefined && (!Array.isArray(asked) || !asked.length)) throw badAnalysisRequest('Give at least one object size in pixels, e.g. sizes [14].');
  // checked before anything of the plan's size is made: a bank row per (size, cell)
  const numSizes = (asked ?? canvas.objectSizes ?? PAPER_SIZE_FRACTIONS).length;
  checkPlanSize(numSizes * grid * grid, `A ${grid}x${grid} grid at ${numSizes} size(s)`, 'use a smaller grid or fewer sizes');
  // requests size objects on the 96-px reference canvas: checked there, so the answer does not depend on the model
  const refCell = REFERENCE_CANVAS / grid;
  const tooBig = asked?.find((s) => !(s > 0) || s > refCell);
  if (tooBig !== undefined) {
    throw badAnalysisRequest(`A ${grid}x${grid} grid on the ${REFERENCE_CANVAS}-px reference canvas has ${refCell.toFixed(1)}-px cells, too small for objects of ${tooBig} px: use a smaller grid or sizes up to ${Math.floor(refCell)} px.`);
  }
  const geometry = sceneGeometry(canvas, grid);
  const sizes = asked ? scaledSizes(asked, canvas) : [...geometry.sizes];
  const cell = Math.min(canvas.width, canvas.height) / grid;
  const tooBigHere = sizes.find((s) => s > cell);
  // a plan without a canvas is checked again when remade on the model's (the default sizes are the model's own)
  if (tooBigHere !== undefined && opts.canvas) throw badAnalysisRequest(`A ${grid}x${grid} grid on the ${canvas.width}x${canvas.height}-px canvas has ${cell.toFixed(1)}-px cells, too small for objects of ${tooBigHere} px: use a smaller grid or smaller sizes.`);
  const objects = planObjects(opts.objects ?? DEFAULT_ID_OBJECTS);
  const pairs = orderedPairs(objects);
  const centre = (col: number, row: number) => geometryCellCentre(geometry, col, row);
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
                width: canvas.width,
                height: canvas.height,
                background: DEFAULT_BACKGROUND,
                objects: [{ ...a, ...centre(fixed.col, fixed.row), size }, { ...b, ...centre(col, row), size }],
                oneObjectPerCell: true,
                ...(grid !== GRID_SIZE ? { grid } : {}),
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
    options: opts,
    meta: {
      format: 'spatial-id-lens/id-bank@1',
      kind: 'spatial',
      grid,
      sizes,
      rows,
      pairs: pairs.map(([a, b]) => [objectWord(a), objectWord(b)]),
      questionTemplate: TEMPLATES.leftRight('{B}', '{A}'),
      seed: opts.seed ?? 0,
      canvas: { width: canvas.width, height: canvas.height },
    },
    count: pairs.length * sizes.length * corners.length * (grid * grid - 1),
    items,
  };
}

/** A plan on the model's canvas: one made without a canvas is remade there; one made for another canvas is refused. */
export function planForModel(runner: ModelRunner, plan: SpatialPlan): SpatialPlan {
  const canvas = sceneCanvasOf(runner.model);
  const own = plan.options.canvas;
  if (!own) return planSpatialIds({ ...plan.options, canvas });
  if (own.width !== canvas.width || own.height !== canvas.height) {
    throw badAnalysisRequest(`The plan draws scenes at ${own.width}x${own.height} px but ${runner.info().dir} reads ${canvas.width}x${canvas.height}-px pictures unresized: plan without a canvas to draw at the model's own.`);
  }
  return plan;
}

/** Runs a plan through one model and averages into an ID bank, rendering each scene on the model's canvas as it is reached. */
export function deriveSpatialIds(runner: ModelRunner, plan: SpatialPlan, ctx: AnalysisContext = {}): Promise<IdBank> {
  const own = planForModel(runner, plan);
  return averageIds(runner, own.meta, own.items(), own.count, async (it) => ({ pixels: await renderScene(it.scene) }), 'deriving spatial IDs', ctx);
}

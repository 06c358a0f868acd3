import { SceneError } from './scene';
import { CANVAS_SIZE, GRID_SIZE, OBJECT_SIZES } from './vocabulary';

/**
 * Where the grid datasets are drawn: the canvas a model reads without resizing, its grid, and
 * the object sizes. Real families read pictures at their own resolution (336 px for LLaVA-1.5,
 * 896 for Gemma-3, ...); scenes drawn at 96 px and upscaled by the processor would be blurred
 * shapes no paper measured. Object sizes follow the paper's cell: 74/124/174/224 px of a
 * 224-px cell. The bundled model keeps the canvas and sizes it was trained on.
 */

/** What a model says about the canvas to draw on: its native input size, and object sizes when it was trained on its own. */
export interface SceneCanvas {
  width: number;
  height: number;
  /** Object sizes in pixels of this canvas the model was trained on (the bundled model); absent: the paper's fractions of a cell. */
  objectSizes?: readonly number[];
}

export interface SceneGeometry {
  width: number;
  height: number;
  /** Cells per side. */
  grid: number;
  /** Default object sizes (bounding-box side) in pixels of this canvas. */
  sizes: readonly number[];
}

/** The paper's object sizes as fractions of its 224-px cell. */
export const PAPER_CELL = 224;
export const PAPER_SIZE_FRACTIONS: readonly number[] = [74, 124, 174, 224].map((s) => s / PAPER_CELL);

/** The bundled model's world: 96-px canvas, 24-px cells, sizes 10 to 22 px (its trainer's geometry). */
export const BUNDLED_CANVAS: SceneCanvas = { width: CANVAS_SIZE, height: CANVAS_SIZE, objectSizes: OBJECT_SIZES };

/** Request sizes (protocol: pixels of the 96-px reference canvas) are scaled by this to a canvas. */
export const REFERENCE_CANVAS = CANVAS_SIZE;

function checkCanvas(c: SceneCanvas): void {
  if (!Number.isInteger(c.width) || !Number.isInteger(c.height) || c.width < 8 || c.height < 8) {
    throw new SceneError(`A scene canvas of ${c.width}x${c.height} px cannot be drawn: use whole pixel sides of at least 8.`);
  }
}

/** The geometry of a canvas at a grid: the paper's sizes scaled to the cell, rounded to whole pixels, unless the model brings its own. */
export function sceneGeometry(canvas: SceneCanvas = BUNDLED_CANVAS, grid: number = GRID_SIZE): SceneGeometry {
  checkCanvas(canvas);
  const cell = Math.min(canvas.width, canvas.height) / grid;
  const sizes = canvas.objectSizes ? [...canvas.objectSizes] : PAPER_SIZE_FRACTIONS.map((f) => Math.max(1, Math.round(f * cell)));
  return { width: canvas.width, height: canvas.height, grid, sizes };
}

/** The bundled geometry every caller without a model gets (training data, evaluation, scene tests). */
export const BUNDLED_GEOMETRY: SceneGeometry = sceneGeometry(BUNDLED_CANVAS, GRID_SIZE);

/** Centre of a cell in pixels of the canvas, rounded to whole pixels (cells of odd width would centre on half pixels). */
export function geometryCellCentre(g: SceneGeometry, col: number, row: number): { x: number; y: number } {
  if (!Number.isInteger(col) || !Number.isInteger(row) || col < 0 || row < 0 || col >= g.grid || row >= g.grid) {
    throw new SceneError(`Cell (column ${col}, row ${row}) is outside the ${g.grid}x${g.grid} grid: use 0-based indices below ${g.grid}.`);
  }
  return { x: Math.round(((col + 0.5) * g.width) / g.grid), y: Math.round(((row + 0.5) * g.height) / g.grid) };
}

/** Request sizes (pixels of the 96-px reference canvas) in pixels of a canvas: the same fraction of the picture. */
export function scaledSizes(sizes: readonly number[], canvas: SceneCanvas): number[] {
  const scale = Math.min(canvas.width, canvas.height) / REFERENCE_CANVAS;
  // hundredths keep a bank's size labels readable; at scale 1 (the bundled canvas) sizes are unchanged
  return sizes.map((s) => Math.round(s * scale * 100) / 100);
}

/** The canvas a model asks for: its own when it says, else its encoder's fixed input, else the bundled one. */
export function sceneCanvasOf(model: { sceneCanvas?(): SceneCanvas; mediaLimits(): { imageSize: { width: number; height: number } | null } }): SceneCanvas {
  return model.sceneCanvas?.() ?? model.mediaLimits().imageSize ?? BUNDLED_CANVAS;
}

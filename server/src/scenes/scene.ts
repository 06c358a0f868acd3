import { CANVAS_SIZE, CELL_SIZE, COLOUR_NAMES, Colour, GRID_SIZE, SHAPE_NAMES, Shape, isColour, isShape } from './vocabulary';

/** One object: its centre and bounding-box side in pixels of the canvas. */
export interface SceneObject {
  colour: Colour;
  shape: Shape;
  x: number;
  y: number;
  size: number;
  /** The colour it is painted (#rrggbb) when not its palette colour: a jittered shade of `colour` (widened distribution). */
  fill?: string;
}

export type Background =
  | { kind: 'plain'; colour: string }
  /**
   * Per-pixel noise (texture: false) or smooth blotches (texture: true) around a grey level, or
   * around the colour `base` (#rrggbb) when given (the same offset on every channel).
   */
  | { kind: 'noise'; seed: number; level: number; amplitude: number; texture: boolean; base?: string; flipX?: boolean; flipY?: boolean }
  /** A linear gradient from `from` to `to` (#rrggbb) between two points given as fractions of the canvas. */
  | { kind: 'gradient'; from: string; to: string; x1: number; y1: number; x2: number; y2: number };

export interface Scene {
  width: number;
  height: number;
  background: Background;
  objects: SceneObject[];
  /** Grid layout: each object must sit alone in its cell. */
  oneObjectPerCell?: boolean;
  /** Cells per side of that layout (default GRID_SIZE). */
  grid?: number;
}

/** A clip: one scene whose objects appear at given frames and stay. */
export interface Clip {
  scene: Scene;
  numFrames: number;
  /** appearFrame[i] is the first frame in which scene.objects[i] is visible. */
  appearFrame: number[];
}

export const DEFAULT_BACKGROUND: Background = { kind: 'plain', colour: '#282828' };

/** A bad request to the scene engine: the message names the problem and the fix. */
export class SceneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SceneError';
  }
}

export function objectName(o: Pick<SceneObject, 'colour' | 'shape'>): string {
  return `${o.colour} ${o.shape}`;
}

/** The grid cell (0-based column and row) holding a point of the canvas. */
export function cellOf(x: number, y: number, scene: Pick<Scene, 'width' | 'height' | 'grid'> = { width: CANVAS_SIZE, height: CANVAS_SIZE }): { col: number; row: number } {
  const grid = scene.grid ?? GRID_SIZE;
  const clamp = (v: number) => Math.min(grid - 1, Math.max(0, v));
  return { col: clamp(Math.floor((x / scene.width) * grid)), row: clamp(Math.floor((y / scene.height) * grid)) };
}

/** Centre of a grid cell in canvas pixels. */
export function cellCentre(col: number, row: number): { x: number; y: number } {
  if (!Number.isInteger(col) || !Number.isInteger(row) || col < 0 || row < 0 || col >= GRID_SIZE || row >= GRID_SIZE) {
    throw new SceneError(`Cell (column ${col}, row ${row}) is outside the ${GRID_SIZE}x${GRID_SIZE} grid: use 0-based indices below ${GRID_SIZE}.`);
  }
  return { x: (col + 0.5) * CELL_SIZE, y: (row + 0.5) * CELL_SIZE };
}

const HEX = /^#[0-9a-f]{6}$/i;

/** Checks a scene and throws a SceneError naming the first problem found. */
export function validateScene(scene: Scene): void {
  if (scene.objects.length === 0) throw new SceneError('A scene needs at least one object.');
  const bg = scene.background;
  if (bg.kind === 'gradient' && (!HEX.test(bg.from) || !HEX.test(bg.to) || (bg.x1 === bg.x2 && bg.y1 === bg.y2))) {
    throw new SceneError(`A gradient background needs two #rrggbb colours and two different end points (got ${JSON.stringify(bg)}).`);
  }
  const names = new Set<string>();
  scene.objects.forEach((o, i) => {
    const where = `Object ${i + 1} (${o.colour} ${o.shape})`;
    if (!isColour(o.colour)) throw new SceneError(`Unknown colour "${o.colour}": use one of ${COLOUR_NAMES.join(', ')}.`);
    if (!isShape(o.shape)) throw new SceneError(`Unknown shape "${o.shape}": use one of ${SHAPE_NAMES.join(', ')}.`);
    if (o.fill !== undefined && !HEX.test(o.fill)) throw new SceneError(`${where} has fill "${o.fill}": give a colour as #rrggbb, or leave fill out for the palette colour.`);
    if (!(o.size > 0)) throw new SceneError(`${where} has size ${o.size}: sizes are positive pixel counts.`);
    const half = o.size / 2;
    if (!(o.x - half >= 0 && o.y - half >= 0 && o.x + half <= scene.width && o.y + half <= scene.height)) {
      throw new SceneError(
        `${where} at (${o.x}, ${o.y}) with size ${o.size} lies outside the ${scene.width}x${scene.height} canvas: keep its centre at least ${half} px from every edge.`,
      );
    }
    const name = objectName(o);
    if (names.has(name)) throw new SceneError(`Two objects are both "${name}": questions could not tell them apart; change a colour or a shape.`);
    names.add(name);
  });
  if (scene.oneObjectPerCell) {
    const taken = new Map<string, number>();
    scene.objects.forEach((o, i) => {
      const { col, row } = cellOf(o.x, o.y, scene);
      const key = `${col},${row}`;
      const other = taken.get(key);
      if (other !== undefined) {
        throw new SceneError(
          `Objects ${other + 1} and ${i + 1} are both in grid cell (row ${row + 1}, column ${col + 1}), which this grid layout forbids: move one to another cell.`,
        );
      }
      taken.set(key, i);
    });
  }
}

export function validateClip(clip: Clip): void {
  validateScene(clip.scene);
  if (!Number.isInteger(clip.numFrames) || clip.numFrames < 1) {
    throw new SceneError(`A clip needs at least one frame (got ${clip.numFrames}).`);
  }
  if (clip.appearFrame.length !== clip.scene.objects.length) {
    throw new SceneError(`A clip needs one appearance frame per object: ${clip.scene.objects.length} objects, ${clip.appearFrame.length} frames given.`);
  }
  clip.appearFrame.forEach((f, i) => {
    if (!Number.isInteger(f) || f < 0 || f >= clip.numFrames) {
      throw new SceneError(`Object ${i + 1} appears at frame ${f}, outside the clip's frames 0 to ${clip.numFrames - 1}.`);
    }
  });
}

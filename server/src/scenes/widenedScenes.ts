import { jitteredFill } from './colourJitter';
import { deltaE, hexToRgb } from './colourSpace';
import { clipOfScene } from './generators';
import { SeededRandom } from './random';
import { Background, Clip, Scene, SceneError, SceneObject, validateScene } from './scene';
import { geometryCellCentre } from './sceneGeometry';
import { backgroundColoursAround, widenedBackground } from './widenedBackgrounds';
import { CANVAS_SIZE, COLOUR_NAMES, Colour, DEFAULT_FRAMES, GRID_SIZE, SHAPE_NAMES, Shape } from './vocabulary';

/**
 * The widened scene distribution (issue 17): pictures closer to those people draw themselves.
 * Canvases of 64 to 400 px, square or not; plain, gradient and noise backgrounds of any
 * lightness and a range of hues; objects in shades of their colour word, of continuous sizes,
 * each plainly visible on the background around it. The scene is drawn at its canvas size; the
 * model sees it resized to its input (dataset/modelFrame.ts), as it sees a user's file.
 */

/** Shortest and longest canvas side in pixels. */
export const CANVAS_SIDES: [number, number] = [64, 400];
/** Longest over shortest side of a non-square canvas (photos and slides are 4:3 to 16:9). */
export const MAX_ASPECT = 2;
/** Share of square canvases. */
const SQUARE_SHARE = 0.5;
/**
 * The least CIE76 difference between an object's colour and every background colour around it.
 * 30 is well above the ~2 a person just notices, and about where a small shape reads at a glance
 * (the independent test set uses the same bound).
 */
export const MIN_CONTRAST = 30;
/** Object size as a fraction of a grid cell's shorter side: the classic 10-22 px of a 24-px cell, drawn continuously. */
export const SIZE_OF_CELL: [number, number] = [10 / 24, 22 / 24];
/** The least extent, in pixels of the model's input, an object keeps after a non-square canvas is squeezed to it. */
export const MIN_INPUT_EXTENT = 7;

export interface WidenedSceneOptions {
  numObjects: number;
  layout: 'grid' | 'continuous';
}

export function widenedCanvas(rng: SeededRandom): { width: number; height: number } {
  const [lo, hi] = CANVAS_SIDES;
  if (rng.next() < SQUARE_SHARE) {
    const side = lo + rng.int(hi - lo + 1);
    return { width: side, height: side };
  }
  const aspect = rng.range(1.1, MAX_ASPECT);
  const short = lo + rng.int(Math.floor(hi / aspect) - lo + 1);
  const long = Math.min(hi, Math.round(short * aspect));
  return rng.next() < 0.5 ? { width: long, height: short } : { width: short, height: long };
}

const hundredths = (v: number) => Math.round(v * 100) / 100;

/** A continuous size: a fraction of the cell, no smaller than what stays visible once squeezed to the model's input. */
function objectSize(rng: SeededRandom, width: number, height: number): number {
  const cell = Math.min(width, height) / GRID_SIZE;
  const minFraction = Math.max(SIZE_OF_CELL[0], (MIN_INPUT_EXTENT * Math.max(width, height)) / CANVAS_SIZE / cell);
  return hundredths(cell * rng.range(minFraction, SIZE_OF_CELL[1]));
}

function identities(rng: SeededRandom, n: number): Array<{ colour: Colour; shape: Shape }> {
  const seen = new Set<string>();
  const out: Array<{ colour: Colour; shape: Shape }> = [];
  while (out.length < n) {
    const o = { colour: rng.pick(COLOUR_NAMES), shape: rng.pick(SHAPE_NAMES) };
    if (!seen.has(`${o.colour} ${o.shape}`)) {
      seen.add(`${o.colour} ${o.shape}`);
      out.push(o);
    }
  }
  return out;
}

function place(rng: SeededRandom, opts: WidenedSceneOptions, width: number, height: number): Array<{ x: number; y: number; size: number }> {
  if (opts.layout === 'grid') {
    const g = { width, height, grid: GRID_SIZE, sizes: [] };
    const cells = rng.shuffle([...Array(GRID_SIZE * GRID_SIZE).keys()]).slice(0, opts.numObjects);
    return cells.map((c) => ({ ...geometryCellCentre(g, c % GRID_SIZE, Math.floor(c / GRID_SIZE)), size: objectSize(rng, width, height) }));
  }
  const out: Array<{ x: number; y: number; size: number }> = [];
  while (out.length < opts.numObjects) {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 500) throw new SceneError(`Could not place ${opts.numObjects} objects without overlap: ask for fewer objects.`);
      const size = objectSize(rng, width, height);
      const x = hundredths(rng.range(size / 2, width - size / 2));
      const y = hundredths(rng.range(size / 2, height - size / 2));
      if (out.every((o) => Math.abs(o.x - x) >= (o.size + size) / 2 + 1 || Math.abs(o.y - y) >= (o.size + size) / 2 + 1)) {
        out.push({ x, y, size });
        break;
      }
    }
  }
  return out;
}

/** The least colour difference between an object and the background around its box. */
export function objectContrast(bg: Background, o: SceneObject, width: number, height: number): number {
  const half = o.size / 2;
  const around = backgroundColoursAround(bg, { x0: o.x - half, y0: o.y - half, x1: o.x + half, y1: o.y + half }, width, height);
  const fill = hexToRgb(o.fill ?? '#000000');
  return Math.min(...around.map((b) => deltaE(fill, b)));
}

/** Shades tried per object on one background before that background is drawn again. */
const FILL_TRIES = 24;
const BACKGROUND_TRIES = 200;

/** A random widened scene at its own canvas size; every object is a visible shade of its colour word. */
export function randomWidenedScene(rng: SeededRandom, opts: WidenedSceneOptions): Scene {
  if (!Number.isInteger(opts.numObjects) || opts.numObjects < 1 || opts.numObjects > GRID_SIZE * GRID_SIZE) {
    throw new SceneError(`A scene holds 1 to ${GRID_SIZE * GRID_SIZE} objects (asked for ${opts.numObjects}).`);
  }
  const { width, height } = widenedCanvas(rng);
  const ids = identities(rng, opts.numObjects);
  const places = place(rng, opts, width, height);
  for (let b = 0; b < BACKGROUND_TRIES; b++) {
    const background = widenedBackground(rng);
    const objects: SceneObject[] = [];
    for (let i = 0; i < ids.length; i++) {
      for (let t = 0; t < FILL_TRIES && objects.length === i; t++) {
        const o = { ...ids[i], ...places[i], fill: jitteredFill(rng, ids[i].colour) };
        if (objectContrast(background, o, width, height) >= MIN_CONTRAST) objects.push(o);
      }
      if (objects.length === i) break; // no shade of this colour stands out here: another background
    }
    if (objects.length === ids.length) {
      const scene: Scene = { width, height, background, objects, ...(opts.layout === 'grid' ? { oneObjectPerCell: true } : {}) };
      validateScene(scene);
      return scene;
    }
  }
  throw new SceneError(`No background of ${BACKGROUND_TRIES} tried let every object of ${ids.map((o) => `${o.colour} ${o.shape}`).join(', ')} stand out: lower MIN_CONTRAST.`);
}

export function randomWidenedClip(rng: SeededRandom, opts: WidenedSceneOptions & { numFrames?: number }): Clip {
  return clipOfScene(rng, opts.numObjects, opts.numFrames ?? DEFAULT_FRAMES, () => randomWidenedScene(rng, opts));
}

/**
 * The scene as the model's input shows it once the canvas is resized to width x height (each
 * axis scaled on its own, as the preprocessor's 'fill' resize does): centres scaled; size the
 * object's smaller extent. Questions are asked of this scene, so "clearly left of" means the same
 * distance in the model's input whatever the canvas was.
 */
export function sceneInFrame(scene: Scene, width: number, height: number): Scene {
  const [sx, sy] = [width / scene.width, height / scene.height];
  // centres unrounded and the size rounded down, so every box stays inside the frame as it was inside the canvas
  const objects = scene.objects.map((o) => ({ ...o, x: o.x * sx, y: o.y * sy, size: Math.floor(o.size * Math.min(sx, sy) * 100) / 100 }));
  return { ...scene, width, height, objects };
}

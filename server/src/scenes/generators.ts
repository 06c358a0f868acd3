import { Background, Clip, DEFAULT_BACKGROUND, Scene, SceneError, SceneObject, validateClip, validateScene } from './scene';
import { SeededRandom } from './random';
import { BUNDLED_GEOMETRY, SceneGeometry, geometryCellCentre } from './sceneGeometry';
import { COLOUR_NAMES, Colour, DEFAULT_FRAMES, GRID_SIZE, SHAPE_NAMES, Shape, isColour } from './vocabulary';

export interface RandomSceneOptions {
  numObjects: number;
  /** 'grid': centred in distinct cells at one of the geometry's sizes; 'continuous': anywhere, any size in range, no overlap. */
  layout: 'grid' | 'continuous';
  /** Canvas, grid and sizes (default: the bundled model's 96-px world). */
  geometry?: SceneGeometry;
  /** Probability of a noise or texture background instead of the plain one. */
  noisyBackground?: number;
}

function randomBackground(rng: SeededRandom, pNoisy: number): Background {
  if (rng.next() >= pNoisy) return DEFAULT_BACKGROUND;
  return { kind: 'noise', seed: rng.int(2 ** 31), level: 40, amplitude: rng.range(6, 14), texture: rng.next() < 0.5 };
}

function randomIdentities(rng: SeededRandom, n: number): Array<{ colour: Colour; shape: Shape }> {
  const seen = new Set<string>();
  const out: Array<{ colour: Colour; shape: Shape }> = [];
  while (out.length < n) {
    const o = { colour: rng.pick(COLOUR_NAMES), shape: rng.pick(SHAPE_NAMES) };
    const key = `${o.colour} ${o.shape}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(o);
    }
  }
  return out;
}

/** A random scene of distinct objects (no two share colour and shape). */
export function randomScene(rng: SeededRandom, opts: RandomSceneOptions): Scene {
  const g = opts.geometry ?? BUNDLED_GEOMETRY;
  if (!Number.isInteger(opts.numObjects) || opts.numObjects < 1 || opts.numObjects > g.grid * g.grid) {
    throw new SceneError(`A scene holds 1 to ${g.grid * g.grid} objects (asked for ${opts.numObjects}).`);
  }
  const ids = randomIdentities(rng, opts.numObjects);
  const background = randomBackground(rng, opts.noisyBackground ?? 0);
  if (opts.layout === 'grid') {
    const cells = rng.shuffle([...Array(g.grid * g.grid).keys()]).slice(0, opts.numObjects);
    const objects = ids.map((id, i) => ({ ...id, ...geometryCellCentre(g, cells[i] % g.grid, Math.floor(cells[i] / g.grid)), size: rng.pick(g.sizes) }));
    return { width: g.width, height: g.height, background, objects, oneObjectPerCell: true, ...(g.grid !== GRID_SIZE ? { grid: g.grid } : {}) };
  }
  const objects: SceneObject[] = [];
  const [minSize, maxSize] = [Math.min(...g.sizes), Math.max(...g.sizes)];
  for (const id of ids) {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 500) throw new SceneError(`Could not place ${opts.numObjects} objects without overlap: ask for fewer objects.`);
      const size = Math.round(rng.range(minSize, maxSize));
      const half = size / 2;
      const x = Math.round(rng.range(half, g.width - half));
      const y = Math.round(rng.range(half, g.height - half));
      const clear = objects.every((o) => Math.abs(o.x - x) >= (o.size + size) / 2 + 1 || Math.abs(o.y - y) >= (o.size + size) / 2 + 1);
      if (clear) {
        objects.push({ ...id, x, y, size });
        break;
      }
    }
  }
  return { width: g.width, height: g.height, background, objects };
}

/**
 * The mirrored twin: object centres reflected across the canvas's vertical axis ('horizontal'
 * flip) or horizontal axis ('vertical'), background raster flipped with them. Shapes stay
 * upright so that the twin stays inside the training distribution.
 */
export function mirrorScene(scene: Scene, axis: 'horizontal' | 'vertical' = 'horizontal'): Scene {
  const h = axis === 'horizontal';
  const objects = scene.objects.map((o) => ({ ...o, x: h ? scene.width - o.x : o.x, y: h ? o.y : scene.height - o.y }));
  const bg = scene.background;
  const background: Background =
    bg.kind === 'plain' ? bg
    : bg.kind === 'gradient' ? (h ? { ...bg, x1: 1 - bg.x1, x2: 1 - bg.x2 } : { ...bg, y1: 1 - bg.y1, y2: 1 - bg.y2 })
    : { ...bg, flipX: h ? !bg.flipX : bg.flipX, flipY: h ? bg.flipY : !bg.flipY };
  return { ...scene, objects, background };
}

/** The attribute-swap twin: object `index` recoloured (METHOD.md section 4's control). */
export function recolourScene(scene: Scene, index: number, colour: string): Scene {
  if (!isColour(colour)) throw new SceneError(`Unknown colour "${colour}": use one of ${COLOUR_NAMES.join(', ')}.`);
  if (!Number.isInteger(index) || index < 0 || index >= scene.objects.length) {
    throw new SceneError(`The scene has ${scene.objects.length} objects; object index ${index} does not exist.`);
  }
  // a jittered fill is a shade of the old colour: the recoloured object takes the new palette colour
  const recoloured = (o: SceneObject): SceneObject => {
    const { fill: _shade, ...rest } = o;
    return { ...rest, colour };
  };
  const twin = { ...scene, objects: scene.objects.map((o, i) => (i === index ? recoloured(o) : o)) };
  validateScene(twin);
  return twin;
}

/** A random clip: a scene whose objects appear at distinct random frames and stay. */
export function randomClip(rng: SeededRandom, opts: RandomSceneOptions & { numFrames?: number }): Clip {
  return clipOfScene(rng, opts.numObjects, opts.numFrames ?? DEFAULT_FRAMES, () => randomScene(rng, opts));
}

/** A clip of the scene `draw` gives: its objects appear at distinct random frames and stay. */
export function clipOfScene(rng: SeededRandom, numObjects: number, numFrames: number, draw: () => Scene): Clip {
  if (numObjects > numFrames) throw new SceneError(`${numObjects} objects cannot appear at distinct frames of a ${numFrames}-frame clip.`);
  const scene = draw();
  const appearFrame = rng.shuffle([...Array(numFrames).keys()]).slice(0, numObjects);
  const clip = { scene, numFrames, appearFrame };
  validateClip(clip);
  return clip;
}

/**
 * The time-reversed twin: the order of appearances reversed (frame t becomes N-1-t), objects
 * still appearing and staying, so every before/after answer flips while the clip stays in
 * distribution (a literal frame reversal would make objects vanish instead of appear).
 */
export function timeReversedClip(clip: Clip): Clip {
  return { ...clip, appearFrame: clip.appearFrame.map((f) => clip.numFrames - 1 - f) };
}

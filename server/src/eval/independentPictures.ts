import sharp from 'sharp';
import { TEMPLATES } from '../scenes/questions';
import { SeededRandom } from '../scenes/random';
import type { RgbImage } from '../scenes/renderScene';
import { COLOUR_NAMES, Colour, SHAPE_NAMES, Shape } from '../scenes/vocabulary';

/**
 * An independent test set: two shapes on a plain canvas, drawn as a person would draw them with
 * an ordinary SVG, not by the scene engine. Only the words are the model's (its colour and shape
 * names and its question templates); the colours, shapes, backgrounds, sizes and positions are
 * this file's own, so the set measures what the engine's held-out set cannot: whether the model
 * answers pictures it was not drawn by. Seeded and deterministic.
 */

export type Rgb = [number, number, number];
export type IndependentRelation = 'leftRight' | 'aboveBelow';
export type LightnessBand = 'light' | 'mid' | 'dark';
export const LIGHTNESS_BANDS: LightnessBand[] = ['light', 'mid', 'dark'];
export const INDEPENDENT_RELATIONS: IndependentRelation[] = ['leftRight', 'aboveBelow'];

/** Ordinary colours a person would call by each word, as HSL ranges (hue in degrees, s and l in percent). */
const ORDINARY_COLOURS: Record<string, { hue: [number, number]; sat: [number, number]; light: [number, number] }> = {
  red: { hue: [-8, 8], sat: [65, 95], light: [40, 55] },
  green: { hue: [100, 140], sat: [45, 80], light: [30, 48] },
  blue: { hue: [205, 228], sat: [65, 95], light: [42, 58] },
  yellow: { hue: [48, 58], sat: [85, 100], light: [50, 62] },
  purple: { hue: [268, 290], sat: [40, 70], light: [38, 55] },
  orange: { hue: [24, 34], sat: [90, 100], light: [48, 56] },
  cyan: { hue: [180, 192], sat: [70, 100], light: [40, 52] },
  pink: { hue: [330, 348], sat: [70, 95], light: [72, 84] },
};

// A colour word the vocabulary gains must be given its ordinary colours here, not guessed.
const missing = COLOUR_NAMES.filter((c) => !ORDINARY_COLOURS[c]);
if (missing.length) throw new Error(`independentPictures has no ordinary colour for ${missing.join(', ')}: add its HSL range.`);

/** Backgrounds a user's picture has: each a base colour and how far one picture's may stray from it. */
const BACKGROUNDS = {
  white: { base: [252, 252, 252], jitter: 3 },
  'light grey': { base: [212, 212, 212], jitter: 12 },
  'mid grey': { base: [128, 128, 128], jitter: 12 },
  beige: { base: [240, 232, 210], jitter: 8 },
  'dark blue': { base: [24, 36, 92], jitter: 12 },
  'dark grey': { base: [24, 24, 24], jitter: 22 },
} satisfies Record<string, { base: Rgb; jitter: number }>;
export type BackgroundName = keyof typeof BACKGROUNDS;
export const BACKGROUND_NAMES = Object.keys(BACKGROUNDS) as BackgroundName[];

/** Canvas sizes: small, near the model's own, large, and one that is not square. */
export const CANVASES: ReadonlyArray<readonly [number, number]> = [[64, 64], [128, 128], [200, 200], [180, 120]];

/** Object size (bounding-box side) as a fraction of the canvas's shorter side. */
const SIZE_RANGE: [number, number] = [0.14, 0.26];
/** The gap between the two objects' boxes along the asked axis, as a fraction of that side: clearly apart. */
const MIN_GAP = 0.08;
/** CIE76 distance under which an object would be hard to see on its background. */
const MIN_CONTRAST = 30;

export interface DrawnObject {
  colour: Colour;
  shape: Shape;
  fill: Rgb;
  /** Centre and half of the bounding-box side, in canvas pixels: the shape lies within [x - half, x + half] x [y - half, y + half]. */
  x: number;
  y: number;
  half: number;
}

export interface IndependentPicture {
  index: number;
  width: number;
  height: number;
  background: { name: BackgroundName; rgb: Rgb; lightness: number; band: LightnessBand };
  objects: [DrawnObject, DrawnObject];
  relation: IndependentRelation;
  question: string;
  answer: string;
}

function hslToRgb(h: number, s: number, l: number): Rgb {
  const hue = ((h % 360) + 360) % 360;
  const [sf, lf] = [s / 100, l / 100];
  const k = (n: number) => (n + hue / 30) % 12;
  const a = sf * Math.min(lf, 1 - lf);
  const f = (n: number) => Math.round(255 * (lf - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1))));
  return [f(0), f(8), f(4)];
}

/** CIE L*a*b* (D65) of an sRGB colour: lightness bands and visibility are judged as a person sees them. */
export function rgbToLab([r, g, b]: Rgb): [number, number, number] {
  const lin = (v: number) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const [R, G, B] = [lin(r), lin(g), lin(b)];
  const xyz = [(0.4124 * R + 0.3576 * G + 0.1805 * B) / 0.95047, 0.2126 * R + 0.7152 * G + 0.0722 * B, (0.0193 * R + 0.1192 * G + 0.9505 * B) / 1.08883];
  const [fx, fy, fz] = xyz.map((t) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116));
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

export function lightnessBand(lightness: number): LightnessBand {
  return lightness >= 70 ? 'light' : lightness >= 35 ? 'mid' : 'dark';
}

const contrast = (a: Rgb, b: Rgb) => {
  const [p, q] = [rgbToLab(a), rgbToLab(b)];
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
};

function drawBackground(rng: SeededRandom, name: BackgroundName) {
  const { base, jitter } = BACKGROUNDS[name];
  // one shift for all channels keeps the hue; a small per-channel one tints it slightly
  const shift = rng.range(-jitter, jitter);
  const rgb = base.map((v) => Math.max(0, Math.min(255, Math.round(v + shift + rng.range(-2, 2))))) as Rgb;
  const lightness = rgbToLab(rgb)[0];
  return { name, rgb, lightness, band: lightnessBand(lightness) };
}

function drawFill(rng: SeededRandom, colour: Colour, background: Rgb): Rgb {
  const c = ORDINARY_COLOURS[colour];
  for (let tries = 0; tries < 100; tries++) {
    const fill = hslToRgb(rng.range(...c.hue), rng.range(...c.sat), rng.range(...c.light));
    if (contrast(fill, background) >= MIN_CONTRAST) return fill;
  }
  throw new Error(`No ${colour} in its ordinary range stands out from the background rgb(${background.join(',')}).`);
}

/** Two objects whose boxes are apart by at least the gap along the asked axis, so the relation is clear. */
function placeObjects(rng: SeededRandom, width: number, height: number, relation: IndependentRelation, firstBefore: boolean) {
  const side = Math.min(width, height);
  const axisLength = relation === 'leftRight' ? width : height;
  const gap = Math.max(3, MIN_GAP * axisLength);
  for (let tries = 0; tries < 1000; tries++) {
    const halves = [0, 1].map(() => (rng.range(...SIZE_RANGE) * side) / 2);
    const centres = halves.map((h) => [rng.range(h + 1, width - h - 1), rng.range(h + 1, height - h - 1)]);
    const axis = relation === 'leftRight' ? 0 : 1;
    const [a, b] = [centres[0][axis], centres[1][axis]];
    const apart = firstBefore ? b - halves[1] - (a + halves[0]) : a - halves[0] - (b + halves[1]);
    if (apart >= gap) return centres.map(([x, y], k) => ({ x, y, half: halves[k] }));
  }
  throw new Error(`Could not place two objects ${gap.toFixed(1)} px apart on a ${width}x${height} canvas.`);
}

/**
 * Picture `index` of the set from `seed`. The design is crossed so any 96 consecutive pictures
 * hold every background x canvas x relation x answer once: relation alternates, then background,
 * then canvas; the answer flips with the canvas and again every 48 pictures.
 */
export function drawIndependentPicture(seed: number, index: number): IndependentPicture {
  const rng = SeededRandom.derive(seed, 0xe0000000 + index);
  const relation = INDEPENDENT_RELATIONS[index % 2];
  const bgName = BACKGROUND_NAMES[Math.floor(index / 2) % BACKGROUND_NAMES.length];
  const [width, height] = CANVASES[Math.floor(index / 12) % CANVASES.length];
  const firstBefore = (Math.floor(index / 12) + Math.floor(index / 48)) % 2 === 0;
  const background = drawBackground(rng, bgName);
  const c1 = rng.pick(COLOUR_NAMES);
  const s1 = rng.pick(SHAPE_NAMES);
  // the second object differs in colour or shape (or both), so each name picks one object
  let c2: Colour, s2: Shape;
  do {
    c2 = rng.pick(COLOUR_NAMES);
    s2 = rng.pick(SHAPE_NAMES);
  } while (c2 === c1 && s2 === s1);
  const places = placeObjects(rng, width, height, relation, firstBefore);
  const objects = [
    { colour: c1, shape: s1, fill: drawFill(rng, c1, background.rgb), ...places[0] },
    { colour: c2, shape: s2, fill: drawFill(rng, c2, background.rgb), ...places[1] },
  ] as [DrawnObject, DrawnObject];
  const [x, y] = [`${c1} ${s1}`, `${c2} ${s2}`];
  const question = relation === 'leftRight' ? TEMPLATES.leftRight(x, y) : TEMPLATES.aboveBelow(x, y);
  const answer = relation === 'leftRight' ? (firstBefore ? 'left' : 'right') : firstBefore ? 'above' : 'below';
  return { index, width, height, background, objects, relation, question, answer };
}

export function independentPictures(seed: number, count: number): IndependentPicture[] {
  return Array.from({ length: count }, (_, i) => drawIndependentPicture(seed, i));
}

const n = (v: number) => v.toFixed(2);
const pts = (list: Array<[number, number]>) => list.map(([x, y]) => `${n(x)},${n(y)}`).join(' ');

/** One shape within its box, drawn plainly (a five-point star, a plus sign, a heart of two curves). */
function shapeElement(o: DrawnObject): string {
  const { x, y, half: h } = o;
  const fill = `rgb(${o.fill.join(',')})`;
  switch (o.shape) {
    case 'circle':
      return `<circle cx="${n(x)}" cy="${n(y)}" r="${n(h)}" fill="${fill}"/>`;
    case 'square':
      return `<rect x="${n(x - h * 0.88)}" y="${n(y - h * 0.88)}" width="${n(h * 1.76)}" height="${n(h * 1.76)}" fill="${fill}"/>`;
    case 'triangle':
      return `<polygon points="${pts([[x, y - h], [x + h, y + h * 0.85], [x - h, y + h * 0.85]])}" fill="${fill}"/>`;
    case 'star': {
      const corners = Array.from({ length: 10 }, (_, k): [number, number] => {
        const r = k % 2 ? h * 0.42 : h;
        const a = (Math.PI * k) / 5;
        return [x + r * Math.sin(a), y + h * 0.1 - r * Math.cos(a)];
      });
      return `<polygon points="${pts(corners)}" fill="${fill}"/>`;
    }
    case 'cross': {
      const w = h * 0.34;
      return `<rect x="${n(x - w)}" y="${n(y - h)}" width="${n(2 * w)}" height="${n(2 * h)}" fill="${fill}"/><rect x="${n(x - h)}" y="${n(y - w)}" width="${n(2 * h)}" height="${n(2 * w)}" fill="${fill}"/>`;
    }
    case 'diamond':
      return `<polygon points="${pts([[x, y - h], [x + h * 0.72, y], [x, y + h], [x - h * 0.72, y]])}" fill="${fill}"/>`;
    case 'heart':
      return `<path d="M ${n(x)} ${n(y + h)} C ${n(x - h)} ${n(y + h * 0.1)} ${n(x - h * 0.9)} ${n(y - h)} ${n(x)} ${n(y - h * 0.45)} C ${n(x + h * 0.9)} ${n(y - h)} ${n(x + h)} ${n(y + h * 0.1)} ${n(x)} ${n(y + h)} Z" fill="${fill}"/>`;
    case 'ring': {
      const w = h * 0.36;
      return `<circle cx="${n(x)}" cy="${n(y)}" r="${n(h - w / 2)}" fill="none" stroke="${fill}" stroke-width="${n(w)}"/>`;
    }
  }
}

/** The picture as an SVG string; `objects` picks which of its objects are drawn (the tests draw one at a time). */
export function pictureSvg(p: IndependentPicture, objects: readonly DrawnObject[] = p.objects): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${p.width}" height="${p.height}"><rect width="100%" height="100%" fill="rgb(${p.background.rgb.join(',')})"/>${objects.map(shapeElement).join('')}</svg>`;
}

/** Rasterised with sharp (librsvg), at the canvas's own size: the model's preprocessor resizes it as it would a user's file. */
export async function renderIndependentPicture(p: IndependentPicture, objects?: readonly DrawnObject[]): Promise<RgbImage> {
  const data = await sharp(Buffer.from(pictureSvg(p, objects)), { density: 72 }).removeAlpha().raw().toBuffer();
  if (data.length !== p.width * p.height * 3) throw new Error(`sharp returned ${data.length} bytes for a ${p.width}x${p.height} RGB picture.`);
  return { width: p.width, height: p.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

import { Rgb, hexToRgb, labToRgb, lchToLab, rgbToHex, rgbToLab } from './colourSpace';
import { SeededRandom } from './random';
import { Background } from './scene';

/**
 * Backgrounds of the widened distribution: plain, gradient and noise/texture, of any lightness
 * and a range of hues (white, greys, beige, dark blue, ...), and the background colours around
 * a box, against which an object's visibility is checked.
 */

export type BackgroundKind = Background['kind'];
/** Shares of the background kinds: plain canvases are what people draw on most. */
const KIND_SHARES: Array<[BackgroundKind, number]> = [['plain', 0.5], ['gradient', 0.25], ['noise', 0.25]];
/** Noise amplitude (standard deviation, 0-255 units) from faint grain to strong texture. */
export const NOISE_AMPLITUDE: [number, number] = [3, 28];
/** Greatest chroma (CIE LCh) of a tinted background: beige, dark blue, pale green, ... never a saturated object colour. */
export const MAX_BACKGROUND_CHROMA = 40;

/**
 * One background colour: a fifth near white (the usual canvas), two fifths neutral greys and two
 * fifths tinted, each of any lightness (L* 2 to 99) and any hue.
 */
export function backgroundColour(rng: SeededRandom): Rgb {
  const u = rng.next();
  for (;;) {
    const lch: [number, number, number] =
      u < 0.2 ? [rng.range(94, 100), rng.range(0, 3), rng.range(0, 360)]
      : u < 0.6 ? [rng.range(2, 99), rng.range(0, 3), rng.range(0, 360)]
      : [rng.range(2, 99), rng.range(4, MAX_BACKGROUND_CHROMA), rng.range(0, 360)];
    const rgb = labToRgb(lchToLab(lch));
    if (rgb) return hexToRgb(rgbToHex(rgb)); // whole 8-bit values, as the picture will hold them
  }
}

/** A second gradient colour: another background colour within 45 L* of the first, so one canvas never spans black to white. */
function gradientPartner(rng: SeededRandom, first: Rgb): Rgb {
  for (;;) {
    const c = backgroundColour(rng);
    if (Math.abs(rgbToLab(first)[0] - rgbToLab(c)[0]) <= 45) return c;
  }
}

export function widenedBackground(rng: SeededRandom): Background {
  let u = rng.next();
  const kind = KIND_SHARES.find(([, share]) => (u -= share) < 0)?.[0] ?? 'plain';
  const colour = backgroundColour(rng);
  if (kind === 'plain') return { kind, colour: rgbToHex(colour) };
  if (kind === 'gradient') {
    const angle = rng.range(0, 2 * Math.PI);
    const [dx, dy] = [Math.cos(angle) / 2, Math.sin(angle) / 2];
    const r = (v: number) => Math.round(v * 1000) / 1000;
    return { kind, from: rgbToHex(colour), to: rgbToHex(gradientPartner(rng, colour)), x1: r(0.5 - dx), y1: r(0.5 - dy), x2: r(0.5 + dx), y2: r(0.5 + dy) };
  }
  const level = Math.round((colour[0] + colour[1] + colour[2]) / 3);
  return { kind, seed: rng.int(2 ** 31), level, amplitude: rng.range(...NOISE_AMPLITUDE), texture: rng.next() < 0.5, base: rgbToHex(colour) };
}

/**
 * The background colours an object of box [x0, x1] x [y0, y1] (canvas pixels) may sit on: the
 * plain colour; a gradient's colours at the box's corners and centre (it is linear, so its
 * extremes over the box are at corners); noise's base shifted by +-2 standard deviations, which
 * holds 95% of its pixels.
 */
export function backgroundColoursAround(bg: Background, box: { x0: number; y0: number; x1: number; y1: number }, width: number, height: number): Rgb[] {
  if (bg.kind === 'plain') return [hexToRgb(bg.colour)];
  if (bg.kind === 'noise') {
    const base = bg.base ? hexToRgb(bg.base) : ([bg.level, bg.level, bg.level] as Rgb);
    const shift = (d: number) => base.map((v) => Math.max(0, Math.min(255, v + d))) as Rgb;
    return [shift(-2 * bg.amplitude), base, shift(2 * bg.amplitude)];
  }
  const [from, to] = [hexToRgb(bg.from), hexToRgb(bg.to)];
  const [gx, gy] = [bg.x2 - bg.x1, bg.y2 - bg.y1];
  const at = (x: number, y: number): Rgb => {
    // objectBoundingBox gradient: position along it measured in fractions of the canvas
    const t = Math.max(0, Math.min(1, ((x / width - bg.x1) * gx + (y / height - bg.y1) * gy) / (gx * gx + gy * gy)));
    return from.map((v, k) => v + (to[k] - v) * t) as Rgb;
  };
  const { x0, y0, x1, y1 } = box;
  return [at(x0, y0), at(x1, y0), at(x0, y1), at(x1, y1), at((x0 + x1) / 2, (y0 + y1) / 2)];
}

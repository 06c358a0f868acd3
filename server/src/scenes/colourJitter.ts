import { Lab, Rgb, hexToRgb, hueDifference, labToLch, lchToLab, oklabDistance, oklabToRgb, rgbToHex, rgbToOklab } from './colourSpace';
import { SeededRandom } from './random';
import { COLOURS, COLOUR_NAMES, Colour } from './vocabulary';

/**
 * Object colours of the widened distribution: shades around each palette colour, so that a
 * colour word names a family of colours and not one RGB value. A shade is drawn in LCh around
 * its palette colour in OKLCh (OKLab's lightness, chroma, hue) and kept only when it stays in
 * that colour's family (below).
 */

/** How far a shade may stray from its palette colour: OKLab lightness (0-1), chroma as a factor, hue in degrees. */
export const JITTER = { lightness: 0.12, chroma: [0.65, 1.2] as const, hue: 12 };
/**
 * A shade belongs to its family when its palette colour is the nearest by a clear margin: its
 * OKLab distance to its own is at most this fraction of the distance to any other, and its OKLab
 * hue is nearer its own palette hue than any other palette hue.
 */
export const FAMILY_MARGIN = 0.75;

const PALETTE_RGB = Object.fromEntries(COLOUR_NAMES.map((c) => [c, hexToRgb(COLOURS[c])])) as Record<Colour, Rgb>;
const PALETTE_OKLAB = Object.fromEntries(COLOUR_NAMES.map((c) => [c, rgbToOklab(PALETTE_RGB[c])])) as Record<Colour, Lab>;

/** Whether `rgb` is in `colour`'s family: nearer its palette colour (by the margin) and its hue than any other word's. */
export function inColourFamily(rgb: Rgb, colour: Colour): boolean {
  const own = oklabDistance(rgb, PALETTE_RGB[colour]);
  const hue = labToLch(rgbToOklab(rgb))[2];
  const ownHue = Math.abs(hueDifference(labToLch(PALETTE_OKLAB[colour])[2], hue));
  return COLOUR_NAMES.every((other) => {
    if (other === colour) return true;
    const otherHue = Math.abs(hueDifference(labToLch(PALETTE_OKLAB[other])[2], hue));
    return own <= FAMILY_MARGIN * oklabDistance(rgb, PALETTE_RGB[other]) && ownHue < otherHue;
  });
}

/** The palette colour nearest `rgb` in OKLab: the colour word a person would most likely use among ours. */
export function nearestColourWord(rgb: Rgb): Colour {
  let best: Colour = COLOUR_NAMES[0];
  for (const c of COLOUR_NAMES) if (oklabDistance(rgb, PALETTE_RGB[c]) < oklabDistance(rgb, PALETTE_RGB[best])) best = c;
  return best;
}

/** One shade of `colour` (#rrggbb, in its family). Deterministic from the generator's state. */
export function jitteredFill(rng: SeededRandom, colour: Colour): string {
  const [L, C, h] = labToLch(PALETTE_OKLAB[colour]);
  for (let tries = 0; tries < 200; tries++) {
    const lch: [number, number, number] = [
      L + rng.range(-JITTER.lightness, JITTER.lightness),
      C * rng.range(...JITTER.chroma),
      h + rng.range(-JITTER.hue, JITTER.hue),
    ];
    const rgb = oklabToRgb(lchToLab(lch));
    if (!rgb) continue; // outside sRGB: no screen shows it
    const hex = rgbToHex(rgb);
    if (inColourFamily(hexToRgb(hex), colour)) return hex;
  }
  // unreachable for the palette in vocabulary.ts (its own colour is in its family); a new colour word whose family is too narrow lands here
  throw new Error(`No shade of ${colour} (${COLOURS[colour]}) within the jitter stays in its colour family: move it further from its neighbours or narrow JITTER.`);
}

/**
 * Colour arithmetic for the widened scene distribution: sRGB <-> CIE L*a*b* (D65) for colour
 * difference (visibility), sRGB <-> OKLab for hue families, their polar forms, and WCAG
 * luminance. Shades are jittered in OKLab because CIELAB bends blue hues towards purple: a royal
 * blue a person calls blue is nearer our purple than our blue in CIELAB, not in OKLab
 * (Ottosson 2020, built to keep perceived hue constant along its hue angle).
 */

export type Rgb = [number, number, number];
export type Lab = [number, number, number];

export function hexToRgb(hex: string): Rgb {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new Error(`"${hex}" is not a colour of the form #rrggbb.`);
  return [0, 2, 4].map((k) => parseInt(m[1].slice(k, k + 2), 16)) as Rgb;
}

export function rgbToHex(rgb: Rgb): string {
  return '#' + rgb.map((v) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0')).join('');
}

const toLinear = (v: number) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};
const fromLinear = (c: number) => 255 * (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);

const WHITE = [0.95047, 1, 1.08883];
const EPS = 216 / 24389;
const KAPPA = 24389 / 27;

export function rgbToLab([r, g, b]: Rgb): Lab {
  const [R, G, B] = [toLinear(r), toLinear(g), toLinear(b)];
  const xyz = [0.4124 * R + 0.3576 * G + 0.1805 * B, 0.2126 * R + 0.7152 * G + 0.0722 * B, 0.0193 * R + 0.1192 * G + 0.9505 * B];
  const [fx, fy, fz] = xyz.map((t, k) => {
    const u = t / WHITE[k];
    return u > EPS ? Math.cbrt(u) : (KAPPA * u + 16) / 116;
  });
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** The sRGB colour of a Lab triple, unrounded; null when it lies outside the sRGB gamut. */
export function labToRgb([L, a, b]: Lab): Rgb | null {
  const fy = (L + 16) / 116;
  const [fx, fz] = [fy + a / 500, fy - b / 200];
  const inv = (f: number) => (f ** 3 > EPS ? f ** 3 : (116 * f - 16) / KAPPA);
  const [X, Y, Z] = [inv(fx) * WHITE[0], inv(fy) * WHITE[1], inv(fz) * WHITE[2]];
  const lin = [3.2406 * X - 1.5372 * Y - 0.4986 * Z, -0.9689 * X + 1.8758 * Y + 0.0415 * Z, 0.0557 * X - 0.204 * Y + 1.057 * Z];
  // a hair of tolerance: the matrices are rounded to 4 digits, so in-gamut edges land at -1e-5
  if (lin.some((c) => c < -1e-4 || c > 1 + 1e-4)) return null;
  return lin.map((c) => fromLinear(Math.max(0, Math.min(1, c)))) as Rgb;
}

/** Lab -> (L, chroma, hue in degrees 0-360). */
export function labToLch([L, a, b]: Lab): [number, number, number] {
  const h = (Math.atan2(b, a) * 180) / Math.PI;
  return [L, Math.hypot(a, b), h < 0 ? h + 360 : h];
}

export function lchToLab([L, C, h]: [number, number, number]): Lab {
  const r = (h * Math.PI) / 180;
  return [L, C * Math.cos(r), C * Math.sin(r)];
}

/** CIE76 colour difference: about 2.3 is just noticeable; 30 and more reads as plainly different. */
export function deltaE(p: Rgb, q: Rgb): number {
  const [a, b] = [rgbToLab(p), rgbToLab(q)];
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/** WCAG 2 relative luminance, 0 (black) to 1 (white). */
export function relativeLuminance([r, g, b]: Rgb): number {
  return 0.2126 * toLinear(r) + 0.7152 * toLinear(g) + 0.0722 * toLinear(b);
}

/** WCAG 2 contrast ratio, 1 (none) to 21 (black on white). */
export function contrastRatio(p: Rgb, q: Rgb): number {
  const [x, y] = [relativeLuminance(p), relativeLuminance(q)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

/** Signed hue difference b - a in degrees, in (-180, 180]. */
export function hueDifference(a: number, b: number): number {
  const d = (((b - a) % 360) + 360) % 360;
  return d > 180 ? d - 360 : d;
}

const cbrt = Math.cbrt;

/** OKLab (L 0-1, a, b about -0.4 to 0.4) of an sRGB colour. */
export function rgbToOklab([r, g, b]: Rgb): Lab {
  const [R, G, B] = [toLinear(r), toLinear(g), toLinear(b)];
  const l = cbrt(0.4122214708 * R + 0.5363325363 * G + 0.0514459929 * B);
  const m = cbrt(0.2119034982 * R + 0.6806995451 * G + 0.1073969566 * B);
  const s = cbrt(0.0883024619 * R + 0.2817188376 * G + 0.6299787005 * B);
  return [0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s, 1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s, 0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s];
}

/** The sRGB colour of an OKLab triple, unrounded; null when it lies outside the sRGB gamut. */
export function oklabToRgb([L, a, b]: Lab): Rgb | null {
  const l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s = (L - 0.0894841775 * a - 1.291485548 * b) ** 3;
  const lin = [4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s, -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s, -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s];
  if (lin.some((c) => c < -1e-4 || c > 1 + 1e-4)) return null;
  return lin.map((c) => fromLinear(Math.max(0, Math.min(1, c)))) as Rgb;
}

/** Euclidean distance in OKLab: the distance hue families are judged by. */
export function oklabDistance(p: Rgb, q: Rgb): number {
  const [a, b] = [rgbToOklab(p), rgbToOklab(q)];
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

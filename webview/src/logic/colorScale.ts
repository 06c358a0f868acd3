/** Colour scales for similarity values, built from theme colours read at render time. */

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** Parses #rgb, #rrggbb, #rrggbbaa, rgb() and rgba(); alpha is dropped. */
export function parseColor(text: string): Rgb | null {
  const s = text.trim().toLowerCase();
  let m = /^#([0-9a-f]{3})$/.exec(s);
  if (m) {
    const [r, g, b] = m[1].split('').map((h) => parseInt(h + h, 16));
    return { r, g, b };
  }
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/.exec(s);
  if (m) {
    return { r: parseInt(m[1].slice(0, 2), 16), g: parseInt(m[1].slice(2, 4), 16), b: parseInt(m[1].slice(4, 6), 16) };
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(s);
  if (m) return { r: clampByte(+m[1]), g: clampByte(+m[2]), b: clampByte(+m[3]) };
  return null;
}

function clampByte(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}

export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  const u = Math.max(0, Math.min(1, t));
  return { r: clampByte(a.r + (b.r - a.r) * u), g: clampByte(a.g + (b.g - a.g) * u), b: clampByte(a.b + (b.b - a.b) * u) };
}

export function toCss(c: Rgb): string {
  return `rgb(${c.r}, ${c.g}, ${c.b})`;
}

/** Half-width of a symmetric domain around 0 that holds every finite value (never 0). */
export function symmetricExtent(values: Iterable<number>): number {
  let m = 0;
  for (const v of values) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m > 0 ? m : 1;
}

export interface Diverging {
  negative: Rgb;
  middle: Rgb;
  positive: Rgb;
}

/** Colour of `value` on a diverging scale over [-extent, extent]. */
export function divergingColor(value: number, extent: number, scale: Diverging): string {
  if (!Number.isFinite(value)) return toCss(scale.middle);
  const t = Math.max(-1, Math.min(1, value / extent));
  return toCss(t < 0 ? mix(scale.middle, scale.negative, -t) : mix(scale.middle, scale.positive, t));
}

/** Opacity of an overlay cell: faint near 0, strong near the extremes, so the picture stays visible. */
export function overlayOpacity(value: number, extent: number): number {
  if (!Number.isFinite(value)) return 0;
  const t = Math.min(1, Math.abs(value) / extent);
  return Math.round((0.08 + 0.5 * t) * 1000) / 1000;
}

import { SceneObject } from './scene';
import { COLOURS } from './vocabulary';

const f = (v: number) => v.toFixed(2);

function polygon(points: Array<[number, number]>, fill: string): string {
  return `<polygon points="${points.map(([x, y]) => `${f(x)},${f(y)}`).join(' ')}" fill="${fill}"/>`;
}

/** Points of a regular star or polygon around (x, y). */
function radial(x: number, y: number, radii: number[], count: number, rotation: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let k = 0; k < count; k++) {
    const r = radii[k % radii.length];
    const a = rotation + (2 * Math.PI * k) / count;
    out.push([x + r * Math.sin(a), y - r * Math.cos(a)]);
  }
  return out;
}

/** The SVG element drawing one object, sized so every shape fills about the same area of its box. */
export function shapeSvg(o: SceneObject): string {
  const fill = o.fill ?? COLOURS[o.colour];
  const { x, y } = o;
  const r = o.size / 2;
  switch (o.shape) {
    case 'circle':
      return `<circle cx="${f(x)}" cy="${f(y)}" r="${f(r)}" fill="${fill}"/>`;
    case 'square': {
      const h = r * 0.85;
      return `<rect x="${f(x - h)}" y="${f(y - h)}" width="${f(2 * h)}" height="${f(2 * h)}" fill="${fill}"/>`;
    }
    case 'triangle':
      return polygon([[x, y - r], [x + r, y + r * 0.8], [x - r, y + r * 0.8]], fill);
    case 'star':
      return polygon(radial(x, y + r * 0.08, [r * 1.05, r * 0.45], 10, 0), fill);
    case 'cross': {
      const a = r / 3;
      return polygon(
        [[x - a, y - r], [x + a, y - r], [x + a, y - a], [x + r, y - a], [x + r, y + a], [x + a, y + a],
         [x + a, y + r], [x - a, y + r], [x - a, y + a], [x - r, y + a], [x - r, y - a], [x - a, y - a]],
        fill,
      );
    }
    case 'diamond':
      return polygon([[x, y - r], [x + r * 0.8, y], [x, y + r], [x - r * 0.8, y]], fill);
    case 'heart': {
      // Two lobes (arcs) meeting in a point at the bottom.
      const top = y - r * 0.35;
      return `<path d="M ${f(x)} ${f(y + r)} L ${f(x - r)} ${f(top + r * 0.1)} A ${f(r / 2)} ${f(r / 2)} 0 0 1 ${f(x)} ${f(top)} A ${f(r / 2)} ${f(r / 2)} 0 0 1 ${f(x + r)} ${f(top + r * 0.1)} Z" fill="${fill}"/>`;
    }
    case 'ring': {
      const w = r * 0.38;
      return `<circle cx="${f(x)}" cy="${f(y)}" r="${f(r - w / 2)}" fill="none" stroke="${fill}" stroke-width="${f(w)}"/>`;
    }
  }
}

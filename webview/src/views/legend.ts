import { svg } from './dom';
import type { Theme } from './theme';

/** A legend drawn as SVG, so it travels with the chart into SVG/PNG exports. */

export interface LegendItem {
  label: string;
  /** Omit for a note without a swatch. */
  color?: string;
  dash?: string;
}

/** Rough text width at 11px (the legend wraps on it; no layout pass needed). */
const charWidth = 5.8;

export function legendSvg(items: readonly LegendItem[], width: number, theme: Theme): SVGSVGElement {
  const rowHeight = 18;
  let x = 0;
  let row = 0;
  const placed = items.map((item) => {
    const w = (item.color ? 22 : 0) + item.label.length * charWidth + 16;
    if (x > 0 && x + w > width) {
      x = 0;
      row++;
    }
    const at = { item, x, y: row * rowHeight };
    x += w;
    return at;
  });
  const height = (row + 1) * rowHeight;
  const root = svg('svg', { class: 'chart-legend', width, height, viewBox: `0 0 ${width} ${height}`, 'font-size': 11, 'font-family': theme.fontFamily });
  for (const { item, x: px, y } of placed) {
    if (item.color) root.appendChild(svg('line', { x1: px, x2: px + 16, y1: y + 9, y2: y + 9, stroke: item.color, 'stroke-width': 2.5, 'stroke-dasharray': item.dash }));
    root.appendChild(svg('text', { x: px + (item.color ? 22 : 0), y: y + 13, fill: item.color ? theme.foreground : theme.muted }, item.label));
  }
  return root;
}

import type { WebviewToHost } from '../../../protocol/webview';
import { toCsv } from '../logic/csv';
import { CSV_HEADERS, type Row } from '../logic/chartData';
import { SVG_NS } from './dom';
import type { Theme } from './theme';

/** Charts out of the panel: SVG with its theme colours written in, PNG drawn from it, data as CSV/JSON. */

export type ExportFormat = 'png' | 'svg' | 'csv' | 'json';
export type ExportFile = Extract<WebviewToHost, { type: 'exportFile' }>['body'];

export interface ChartData {
  rows: Row[];
  json: unknown;
}

/** Computed styles written into exported SVG as attributes, so it looks the same outside the panel. */
const PAINT_PROPERTIES = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
];

export function safeFileName(base: string, ext: string): string {
  const stem = base
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${stem || 'chart'}.${ext}`;
}

export function utf8ToBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function sizeOf(svg: SVGSVGElement): { width: number; height: number } {
  const rect = svg.getBoundingClientRect();
  const vb = svg.viewBox?.baseVal;
  const width = rect.width || Number(svg.getAttribute('width')) || vb?.width || 300;
  const height = rect.height || Number(svg.getAttribute('height')) || vb?.height || 150;
  return { width: Math.round(width), height: Math.round(height) };
}

/** A detached copy of an on-screen SVG with its computed paint written in as attributes. */
function inlineCopy(original: SVGSVGElement): SVGSVGElement {
  const copy = original.cloneNode(true) as SVGSVGElement;
  const from = [original, ...original.querySelectorAll('*')];
  const to = [copy, ...copy.querySelectorAll('*')];
  from.forEach((node, i) => {
    const target = to[i];
    if (!target || !node.isConnected) return;
    const css = getComputedStyle(node);
    for (const p of PAINT_PROPERTIES) {
      const v = css.getPropertyValue(p);
      if (v) target.setAttribute(p, v);
    }
    if (css.display === 'none') target.setAttribute('display', 'none');
    target.removeAttribute('style');
  });
  return copy;
}

/** One standalone SVG document from one or more charts, stacked, on the theme's background. */
export function standaloneSvg(charts: readonly SVGSVGElement[], theme: Theme, gap = 16): { text: string; width: number; height: number } {
  const parts = charts.map((c) => ({ node: inlineCopy(c), size: sizeOf(c) }));
  const width = Math.max(1, ...parts.map((p) => p.size.width));
  const height = Math.max(1, parts.reduce((sum, p) => sum + p.size.height, 0) + gap * Math.max(0, parts.length - 1));
  const root = document.createElementNS(SVG_NS, 'svg');
  root.setAttribute('xmlns', SVG_NS);
  root.setAttribute('width', String(width));
  root.setAttribute('height', String(height));
  root.setAttribute('viewBox', `0 0 ${width} ${height}`);
  root.setAttribute('font-family', theme.fontFamily);
  root.setAttribute('color', theme.foreground);
  const bg = document.createElementNS(SVG_NS, 'rect');
  bg.setAttribute('width', String(width));
  bg.setAttribute('height', String(height));
  bg.setAttribute('fill', theme.background);
  root.appendChild(bg);
  let y = 0;
  for (const p of parts) {
    p.node.setAttribute('x', '0');
    p.node.setAttribute('y', String(y));
    p.node.setAttribute('width', String(p.size.width));
    p.node.setAttribute('height', String(p.size.height));
    root.appendChild(p.node);
    y += p.size.height + gap;
  }
  const text = '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(root);
  return { text, width, height };
}

/** PNG (base64) drawn from an SVG document through an <img> (needs `img-src data:` in the CSP). */
export function svgToPngBase64(svgText: string, width: number, height: number, scale = 2): Promise<string> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      const ctx = canvas.getContext('2d');
      if (!ctx) return reject(new Error('No 2D canvas to draw the PNG on.'));
      ctx.scale(scale, scale);
      ctx.drawImage(img, 0, 0, width, height);
      resolve(canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, ''));
    };
    img.onerror = () => reject(new Error('The chart could not be drawn as a PNG.'));
    img.src = `data:image/svg+xml;base64,${utf8ToBase64(svgText)}`;
  });
}

/** The file for one export of a chart. */
export async function exportChart(
  name: string,
  format: ExportFormat,
  charts: readonly SVGSVGElement[],
  data: ChartData | null,
  theme: Theme,
): Promise<ExportFile> {
  switch (format) {
    case 'csv':
      if (!data) throw new Error('This chart has no data yet.');
      return { suggestedName: safeFileName(name, 'csv'), mime: 'text/csv', data: toCsv(data.rows, undefined, CSV_HEADERS), encoding: 'utf8' };
    case 'json':
      if (!data) throw new Error('This chart has no data yet.');
      return { suggestedName: safeFileName(name, 'json'), mime: 'application/json', data: JSON.stringify(data.json, null, 2) + '\n', encoding: 'utf8' };
    case 'svg': {
      if (charts.length === 0) throw new Error('This chart has nothing drawn yet.');
      return { suggestedName: safeFileName(name, 'svg'), mime: 'image/svg+xml', data: standaloneSvg(charts, theme).text, encoding: 'utf8' };
    }
    case 'png': {
      if (charts.length === 0) throw new Error('This chart has nothing drawn yet.');
      const doc = standaloneSvg(charts, theme);
      return { suggestedName: safeFileName(name, 'png'), mime: 'image/png', data: await svgToPngBase64(doc.text, doc.width, doc.height), encoding: 'base64' };
    }
  }
}

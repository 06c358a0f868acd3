import { type Diverging, divergingColor, overlayOpacity, parseColor } from '../logic/colorScale';
import { type Cell, type Rect, cellLabel, gridSize, isWholePicture, sameRect, visibleRegionOf } from '../logic/grid';
import { h, setChildren, show, svg } from './dom';
import { enableGridKeys } from './gridKeyboard';
import type { Theme } from './theme';

/** A probe heatmap over the picture's grid: one translucent cell per ID, the argmax outlined. */

export interface OverlayOptions {
  cells: readonly Cell[];
  kind: 'spatial' | 'temporal';
  object: string;
  /** Similarity per cell at the shown layer; null: draw the grid only. */
  values: readonly number[] | null;
  argmax: number;
  /** Argmax before the intervention (outlined dashed while steering). */
  reference?: number;
  /** The cell the object was steered to. */
  target?: number;
  extent: number;
  scale: Diverging;
  interactive: boolean;
  /** The part of the picture the grid spans (normalised; the model's view of it, e.g. LLaVA's centre crop); absent: all of it. */
  region?: Rect;
}

export function divergingFromTheme(theme: Theme): Diverging {
  const fallback = { r: 128, g: 128, b: 128 };
  return {
    negative: parseColor(theme.blue) ?? fallback,
    middle: parseColor(theme.background) ?? fallback,
    positive: parseColor(theme.red) ?? fallback,
  };
}

export function valueText(object: string, cell: Cell, kind: 'spatial' | 'temporal', value: number | undefined): string {
  const v = value === undefined || !Number.isFinite(value) ? 'no value' : `similarity ${value.toFixed(3)}`;
  return `${object} at ${cellLabel(cell, kind)}: ${v}`;
}

/** What a screen reader says of a focusable cell: where it is (1-based), its value, and what Enter does. */
function cellAriaLabel(o: OverlayOptions, c: Cell, i: number, value: number | undefined): string {
  const v = value === undefined || !Number.isFinite(value) ? 'no value' : `similarity ${value.toFixed(2)}`;
  const mark = i === o.argmax ? ', argmax' : i === o.target ? ', steered here' : '';
  return `${cellLabel(c, o.kind)}: ${v}${mark}. Enter moves ${o.object} here`;
}

export function overlaySvg(o: OverlayOptions): SVGSVGElement {
  const { columns, rows } = gridSize(o.cells);
  const cls = `heat-overlay${o.interactive ? ' interactive' : ''}`;
  // interactive: a group of focusable cells (arrow keys move, Enter or Space steers); else one picture
  const label = o.interactive
    ? { role: 'group', 'aria-label': `Where the model places ${o.object}: arrow keys pick a cell, Enter or Space moves ${o.object} there` }
    : { role: 'img', 'aria-label': `Where the model places ${o.object}` };
  const grid = { viewBox: `0 0 ${columns} ${rows}`, preserveAspectRatio: 'none' };
  // over part of the picture: an outer SVG in picture fractions holds the grid's own SVG placed on that part
  const partial = o.region && !isWholePicture(o.region) ? o.region : null;
  const outer = partial ? svg('svg', { class: cls, viewBox: '0 0 1 1', preserveAspectRatio: 'none', ...label }) : null;
  const root = partial
    ? svg('svg', { class: 'heat-region', x: partial.x, y: partial.y, width: partial.width, height: partial.height, overflow: 'visible', ...grid })
    : svg('svg', { class: cls, ...grid, ...label });
  outer?.appendChild(root);
  o.cells.forEach((c, i) => {
    const value = o.values?.[i];
    const hasValue = value !== undefined && Number.isFinite(value);
    root.appendChild(
      svg(
        'rect',
        {
          class: 'heat-cell',
          x: c.x,
          y: c.y,
          width: 1,
          height: 1,
          fill: hasValue ? divergingColor(value, o.extent, o.scale) : 'none',
          'fill-opacity': hasValue ? overlayOpacity(value, o.extent) : 0,
          'vector-effect': 'non-scaling-stroke',
          'data-cell': i,
          'data-value': hasValue ? value.toFixed(4) : undefined,
          ...(o.interactive ? { role: 'button', 'aria-label': cellAriaLabel(o, c, i, value) } : {}),
        },
        svg('title', {}, valueText(o.object, c, o.kind, value)),
      ),
    );
  });
  const outline = (index: number | undefined, cls: string) => {
    const c = index !== undefined && index >= 0 ? o.cells[index] : undefined;
    if (!c) return;
    root.appendChild(svg('rect', { class: cls, x: c.x + 0.04, y: c.y + 0.04, width: 0.92, height: 0.92, fill: 'none', 'vector-effect': 'non-scaling-stroke', 'data-cell': index }));
  };
  if (o.reference !== undefined && o.reference !== o.argmax) outline(o.reference, 'heat-reference');
  outline(o.target, 'heat-target');
  outline(o.argmax, 'heat-argmax');
  return outer ?? root;
}

/**
 * The picture with its overlay and a line that reads out the hovered cell. Further layers (the
 * token grid, drawn boxes) can be added over the picture: they stay above the heatmap. The grid
 * spans the part of the picture the model sees: as the server said (the probe's domain), else as
 * the family's processor keeps it, from the picture's own size once it has loaded.
 */
export class HeatmapFigure {
  readonly element: HTMLElement;
  private readonly frame: HTMLDivElement;
  private readonly img: HTMLImageElement;
  private readonly readout: HTMLDivElement;
  private overlay: SVGSVGElement | null = null;
  private options: OverlayOptions | null = null;
  private hint = '';
  private readonly layers: Element[] = [];
  private overlayShown = true;
  /** The cell that last had keyboard focus, kept across redraws so that focus stays where the user left it. */
  private focusedCell: number | null = null;
  private known: Rect | null = null;
  private family: string | null = null;
  private shownRegion: Rect = { x: 0, y: 0, width: 1, height: 1 };
  /** Called when the part of the picture the model sees changed (the picture loaded, or the server said). */
  onRegion: ((region: Rect) => void) | null = null;

  constructor(
    private readonly onCellClick: ((cell: number) => void) | null,
    onImageError: (uri: string) => void,
    extraClass = '',
  ) {
    this.img = h('img', { class: 'media-image', attrs: { alt: '', draggable: 'false' } });
    this.img.addEventListener('error', () => {
      if (this.img.getAttribute('src')) onImageError(this.img.getAttribute('src') ?? '');
    });
    this.img.addEventListener('load', () => this.placeRegion());
    this.frame = h('div', { class: 'media-frame' }, this.img);
    this.readout = h('div', { class: 'readout', attrs: { 'aria-live': 'polite' } });
    this.element = h('figure', { class: `heatmap-figure ${extraClass}`.trim() }, this.frame, this.readout);
  }

  /** The part of the picture the model sees, normalised. */
  get region(): Rect {
    return this.shownRegion;
  }

  /** The picture's size in pixels once loaded (0 x 0 before). */
  get naturalSize(): { width: number; height: number } {
    return { width: this.img.naturalWidth, height: this.img.naturalHeight };
  }

  setImage(uri: string, alt: string): void {
    if (this.img.getAttribute('src') !== uri) this.img.setAttribute('src', uri);
    this.img.alt = alt;
  }

  setHint(text: string): void {
    this.hint = text;
    this.readout.textContent = text;
  }

  /** A layer over the picture (an SVG in picture fractions), kept above the heatmap. */
  addLayer(node: Element): void {
    this.layers.push(node);
    this.frame.appendChild(node);
  }

  /** Hides the heatmap (while another layer, such as the token grid, is read) without forgetting it. */
  showOverlay(shown: boolean): void {
    this.overlayShown = shown;
    if (this.overlay) show(this.overlay, shown);
  }

  /** The region the server gave (ProbeResult.domain), or null to take the family's from the picture's size. */
  setRegion(known: Rect | null, family: string | null): void {
    this.known = known;
    this.family = family;
    this.placeRegion();
  }

  setOverlay(options: OverlayOptions | null): void {
    // a redraw (after a steer, a layer change) must not drop keyboard focus off the grid
    const hadFocus = this.overlay?.contains(document.activeElement) ?? false;
    this.options = options;
    this.overlay?.remove();
    this.overlay = null;
    if (!options || options.cells.length === 0) return;
    const node = overlaySvg({ ...options, interactive: options.interactive && this.onCellClick !== null, region: this.shownRegion });
    node.addEventListener('mousemove', (e) => this.hover(e.target));
    node.addEventListener('mouseleave', () => (this.readout.textContent = this.hint));
    let place: ((cell: number, focus: boolean) => void) | null = null;
    if (this.onCellClick && options.interactive) {
      node.addEventListener('click', (e) => {
        const cell = cellIndexOf(e.target);
        if (cell !== null) this.onCellClick?.(cell);
      });
      const initial = this.focusedCell !== null && this.focusedCell < options.cells.length ? this.focusedCell : Math.max(0, options.argmax);
      place = enableGridKeys(node, {
        cells: options.cells,
        initial,
        activate: (cell) => this.onCellClick?.(cell),
        focused: (cell) => {
          this.focusedCell = cell;
          this.hover(node.querySelector(`.heat-cell[data-cell="${cell}"]`));
        },
      });
    }
    show(node, this.overlayShown);
    this.overlay = node;
    this.frame.insertBefore(node, this.layers[0] ?? null);
    if (hadFocus && place && this.focusedCell !== null) place(this.focusedCell, true);
  }

  private placeRegion(): void {
    const { width, height } = this.naturalSize;
    const region = this.known ?? visibleRegionOf(this.family, width, height);
    if (sameRect(region, this.shownRegion)) return;
    this.shownRegion = region;
    if (this.options) this.setOverlay(this.options);
    this.onRegion?.(region);
  }

  private hover(target: EventTarget | null): void {
    const o = this.options;
    const cell = cellIndexOf(target);
    if (!o || cell === null) return;
    this.readout.textContent = valueText(o.object, o.cells[cell], o.kind, o.values?.[cell]);
  }
}

function cellIndexOf(target: EventTarget | null): number | null {
  if (!(target instanceof Element)) return null;
  const v = target.getAttribute('data-cell');
  return v === null ? null : Number(v);
}

export interface GridPanel {
  title: string;
  values: readonly number[];
  argmax: number;
}

/**
 * A standalone SVG of grids (one per object) with each cell's value written in: what the
 * heatmap and temporal-strip exports carry (the photo itself stays out: it is not ours to embed).
 */
export function gridExportSvg(panels: readonly GridPanel[], cells: readonly Cell[], theme: Theme, heading: string): SVGSVGElement {
  const { columns, rows } = gridSize(cells);
  const cellSize = columns > 8 ? 44 : 56;
  const pad = 16;
  const titleH = 22;
  const panelW = columns * cellSize;
  const panelH = rows * cellSize + titleH;
  const width = pad * 2 + panels.length * panelW + (panels.length - 1) * pad;
  const height = pad * 2 + panelH + titleH;
  const scale = divergingFromTheme(theme);
  const extent = Math.max(1e-9, ...panels.flatMap((p) => p.values.map((v) => Math.abs(v))));
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, 'font-family': theme.fontFamily, 'font-size': 11 });
  root.appendChild(svg('text', { x: pad, y: pad + 12, fill: theme.foreground, 'font-weight': 600 }, heading));
  panels.forEach((p, k) => {
    const ox = pad + k * (panelW + pad);
    const oy = pad + titleH;
    root.appendChild(svg('text', { x: ox, y: oy + 12, fill: theme.foreground }, p.title));
    cells.forEach((c, i) => {
      const v = p.values[i];
      const x = ox + c.x * cellSize;
      const y = oy + titleH + c.y * cellSize;
      root.appendChild(svg('rect', { x, y, width: cellSize, height: cellSize, fill: divergingColor(v, extent, scale), stroke: theme.background }));
      root.appendChild(
        svg('text', { x: x + cellSize / 2, y: y + cellSize / 2 + 4, 'text-anchor': 'middle', fill: theme.foreground }, Number.isFinite(v) ? v.toFixed(2) : '–'),
      );
    });
    const a = cells[p.argmax];
    if (a) {
      root.appendChild(svg('rect', { x: ox + a.x * cellSize + 1.5, y: oy + titleH + a.y * cellSize + 1.5, width: cellSize - 3, height: cellSize - 3, fill: 'none', stroke: theme.focus, 'stroke-width': 3 }));
    }
  });
  return root;
}

/** Clears an element and puts a muted note in it. */
export function note(container: HTMLElement, text: string): void {
  setChildren(container, h('p', { class: 'note', text }));
}

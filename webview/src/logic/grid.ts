import type { MediaPlace } from '../../../protocol/requests';

/** Grid geometry for ID banks: cells are (x, y) = (column, row) in row-major order. */

export interface Cell {
  x: number;
  y: number;
}

export interface GridSize {
  columns: number;
  rows: number;
}

export function gridSize(cells: readonly Cell[]): GridSize {
  let columns = 0;
  let rows = 0;
  for (const c of cells) {
    columns = Math.max(columns, c.x + 1);
    rows = Math.max(rows, c.y + 1);
  }
  return { columns, rows };
}

/** Pairs of cell indices that are grid neighbours (right and below), for drawing the lattice. */
export function neighbourPairs(cells: readonly Cell[]): [number, number][] {
  const index = new Map<string, number>();
  cells.forEach((c, i) => index.set(`${c.x},${c.y}`, i));
  const pairs: [number, number][] = [];
  cells.forEach((c, i) => {
    for (const [dx, dy] of [
      [1, 0],
      [0, 1],
    ]) {
      const j = index.get(`${c.x + dx},${c.y + dy}`);
      if (j !== undefined) pairs.push([i, j]);
    }
  });
  return pairs;
}

/**
 * The panel's one convention for naming a cell: 1-based "row r, column c" (cells are stored
 * 0-based (x, y) = (column, row): those stay in machine fields, labelled as such), and 1-based
 * "frame k" for temporal cells. With `of`, the frame count is named too ("frame 3 of 8").
 */
export function cellLabel(cell: Cell, kind: 'spatial' | 'temporal', of?: number): string {
  if (kind === 'temporal') return frameLabel(cell.x, of);
  return `row ${cell.y + 1}, column ${cell.x + 1}`;
}

/** "frame 3" or "frame 3 of 8" from a 0-based frame index. */
export function frameLabel(index: number, of?: number): string {
  return of === undefined ? `frame ${index + 1}` : `frame ${index + 1} of ${of}`;
}

/** A short tick for crowded chart axes, same convention: "r2 c1" (row, column, 1-based) or the 1-based frame number. */
export function cellTick(cell: Cell, kind: 'spatial' | 'temporal'): string {
  return kind === 'temporal' ? String(cell.x + 1) : `r${cell.y + 1} c${cell.x + 1}`;
}

/**
 * The cell reached from `index` by an arrow key (row-major cells of a columns x rows grid);
 * stays put at an edge. Home/End go to the first/last cell of the row.
 */
export function neighbourCell(cells: readonly Cell[], index: number, key: string): number {
  const from = cells[index];
  if (!from) return cells.length > 0 ? 0 : -1;
  const { columns, rows } = gridSize(cells);
  const step: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  let x = from.x;
  let y = from.y;
  if (key === 'Home') x = 0;
  else if (key === 'End') x = columns - 1;
  else if (step[key]) {
    x = Math.min(columns - 1, Math.max(0, x + step[key][0]));
    y = Math.min(rows - 1, Math.max(0, y + step[key][1]));
  } else return index;
  const found = cells.findIndex((c) => c.x === x && c.y === y);
  return found >= 0 ? found : index;
}

// ---- the model's token grid over the picture ------------------------------------------------

/** A rectangle in normalised picture coordinates (0..1 of its width and height). */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where a media token sits, as the server says: the protocol's MediaPlace without the media index the overlay does not read. */
export type TokenPlace = Omit<MediaPlace, 'index'>;

export interface PlacedToken {
  position: number;
  media?: TokenPlace;
}

/** One media token's patch on the picture. */
export interface TokenPatch extends Rect {
  position: number;
  /** "tile 2 (row 1, column 1), patch row 3, column 5" and the like (1-based). */
  label: string;
}

/** One way the picture is cut into tokens: the grid of a frame, the tiles of a tiling processor, or its global image. */
export interface PatchView {
  key: string;
  label: string;
  /** Tile outlines (empty for a single grid). */
  tiles: Rect[];
  patches: TokenPatch[];
}

const WHOLE: Rect = { x: 0, y: 0, width: 1, height: 1 };

/**
 * The picture's token grids from each token's place: tokens with a tile row/col make the tiled
 * view (SmolVLM's tiles over the picture), a tile without them the global image, the rest one
 * grid (square for LLaVA and Gemma-3, the picture's own shape for Qwen2-VL). Only the tokens of
 * `frame` for a clip. `region` is the part of the picture the model sees (a centre crop for LLaVA).
 */
export function patchViews(tokens: readonly PlacedToken[], frame: number, region: Rect = WHOLE): PatchView[] {
  const placed = tokens.filter((t): t is PlacedToken & { media: TokenPlace } => t.media !== undefined && (t.media.frame === undefined || t.media.frame === frame));
  const tiled = placed.filter((t) => t.media.tileRow !== undefined && t.media.tileCol !== undefined);
  const global = placed.filter((t) => t.media.tile !== undefined && t.media.tileRow === undefined);
  const plain = placed.filter((t) => t.media.tile === undefined);
  const views: PatchView[] = [];
  const cellOf = (box: Rect, m: TokenPlace): Rect => ({
    x: box.x + (m.col / m.gridCols) * box.width,
    y: box.y + (m.row / m.gridRows) * box.height,
    width: box.width / m.gridCols,
    height: box.height / m.gridRows,
  });
  const patchText = (m: TokenPlace) => `patch row ${m.row + 1}, column ${m.col + 1} of ${m.gridRows}x${m.gridCols}`;
  if (tiled.length) {
    const rows = Math.max(...tiled.map((t) => t.media.tileRow! + 1));
    const cols = Math.max(...tiled.map((t) => t.media.tileCol! + 1));
    const tileRect = (r: number, c: number): Rect => ({ x: region.x + (c / cols) * region.width, y: region.y + (r / rows) * region.height, width: region.width / cols, height: region.height / rows });
    const tiles: Rect[] = [];
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) tiles.push(tileRect(r, c));
    const patches = tiled.map((t) => ({ position: t.position, ...cellOf(tileRect(t.media.tileRow!, t.media.tileCol!), t.media), label: `tile ${t.media.tile! + 1} (row ${t.media.tileRow! + 1}, column ${t.media.tileCol! + 1}), ${patchText(t.media)}` }));
    views.push({ key: 'tiles', label: `${rows}x${cols} tiles`, tiles, patches });
  }
  if (global.length) views.push({ key: 'global', label: 'global image', tiles: [], patches: global.map((t) => ({ position: t.position, ...cellOf(region, t.media), label: `global image, ${patchText(t.media)}` })) });
  if (plain.length) {
    const m = plain[0].media;
    views.push({ key: 'grid', label: `${m.gridRows}x${m.gridCols} grid`, tiles: [], patches: plain.map((t) => ({ position: t.position, ...cellOf(region, t.media), label: patchText(t.media) })) });
  }
  return views;
}

/**
 * The part of a width x height picture the family's processor keeps, when the server has not
 * said (ProbeResult.domain.picture.region says it): LLaVA-1.5's CLIP processor crops the centre
 * square; the other families resize, tile or grid the whole picture.
 */
export function visibleRegionOf(family: string | null | undefined, width: number, height: number): Rect {
  if (family !== 'llava' || !(width > 0 && height > 0)) return WHOLE;
  const side = Math.min(width, height);
  return { x: (1 - side / width) / 2, y: (1 - side / height) / 2, width: side / width, height: side / height };
}

/** A box from two corners dragged on the picture (normalised, clamped to it). */
export function boxFromCorners(ax: number, ay: number, bx: number, by: number): Rect {
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const [x0, x1] = [clamp(Math.min(ax, bx)), clamp(Math.max(ax, bx))];
  const [y0, y1] = [clamp(Math.min(ay, by)), clamp(Math.max(ay, by))];
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Whether a region is the whole picture. */
export function isWholePicture(r: Rect): boolean {
  return sameRect(r, WHOLE);
}

export function sameRect(a: Rect, b: Rect): boolean {
  const eps = 1e-9;
  return Math.abs(a.x - b.x) < eps && Math.abs(a.y - b.y) < eps && Math.abs(a.width - b.width) < eps && Math.abs(a.height - b.height) < eps;
}

import type { MediaPlace } from '../../../protocol/requests';
import type { PromptToken } from './promptProcessor';

/**
 * Where each media token of a prompt sits in its picture or clip, from the family's layout:
 * one grid per picture (LLaVA, Gemma-3: square; Qwen2-VL: the merged patch grid, which follows
 * the picture's shape), one per frame (the bundled model's clips), or one per tile, the tiles
 * named by the marker tokens before them (SmolVLM: `<row_r_col_c>` ..., `<global-img>`).
 */

/** Media tokens in order, `rows` x `cols` per grid; grids follow each other as frames (a picture has one). */
export function placeGrid(tokens: PromptToken[], rows: number, cols: number): void {
  const perGrid = rows * cols;
  let k = 0;
  for (const t of tokens) {
    if (t.kind === 'text') continue;
    const frame = Math.floor(k / perGrid);
    const cell = k % perGrid;
    t.media = { index: 0, ...(t.kind === 'video' ? { frame } : {}), row: Math.floor(cell / cols), col: cell % cols, gridRows: rows, gridCols: cols };
    k++;
  }
}

/** A square grid when the picture's token count is a square; otherwise one row (no layout is claimed). */
export function placeSquare(tokens: PromptToken[]): void {
  const n = tokens.filter((t) => t.kind !== 'text').length;
  const side = Math.round(Math.sqrt(n));
  if (side * side === n) placeGrid(tokens, side, side);
  else placeGrid(tokens, 1, n);
}

const TILE_MARKER = /^<row_(\d+)_col_(\d+)>$/;
const GLOBAL_MARKER = '<global-img>';

/** Tiles of `perTile` tokens (a square grid each), named by the marker token before each tile. */
export function placeTiles(tokens: PromptToken[], perTile: number): void {
  const side = Math.round(Math.sqrt(perTile));
  let tile = -1;
  let at: { tileRow?: number; tileCol?: number } = {};
  let k = 0;
  let previousWasMedia = false;
  for (const t of tokens) {
    if (t.kind === 'text') {
      const m = TILE_MARKER.exec(t.text);
      if (m) at = { tileRow: Number(m[1]) - 1, tileCol: Number(m[2]) - 1 };
      else if (t.text === GLOBAL_MARKER) at = {};
      previousWasMedia = false;
      continue;
    }
    if (!previousWasMedia || k === perTile) {
      tile++;
      k = 0;
    }
    previousWasMedia = true;
    t.media = { index: 0, tile, ...at, row: Math.floor(k / side), col: k % side, gridRows: side, gridCols: side };
    k++;
  }
}

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

/** "(x,y)" for spatial cells, "frame i" for temporal ones. */
export function cellLabel(cell: Cell, kind: 'spatial' | 'temporal'): string {
  return kind === 'temporal' ? `frame ${cell.x}` : `(${cell.x},${cell.y})`;
}

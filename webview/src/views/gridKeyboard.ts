import { type Cell, neighbourCell } from '../logic/grid';

/**
 * Keyboard use of a heatmap grid (WAI-ARIA's roving tabindex): the grid is one tab stop, the
 * arrow keys (and Home/End) move focus between its cells, Enter or Space activates the focused
 * cell (steers the object there). Cells are the overlay's `.heat-cell` elements, by `data-cell`.
 */

export interface GridKeys {
  cells: readonly Cell[];
  /** The cell that takes the tab stop first (the argmax, else the first). */
  initial: number;
  activate(cell: number): void;
  /** Told when a cell takes focus (to read its value out). */
  focused?(cell: number): void;
}

function cellNodes(root: Element): Map<number, SVGElement> {
  const nodes = new Map<number, SVGElement>();
  for (const node of root.querySelectorAll<SVGElement>('.heat-cell[data-cell]')) nodes.set(Number(node.getAttribute('data-cell')), node);
  return nodes;
}

/** Makes the cells of `root` focusable and steerable from the keyboard; returns a function that moves the tab stop (and focus, if asked) to a cell. */
export function enableGridKeys(root: Element, keys: GridKeys): (cell: number, focus: boolean) => void {
  const nodes = cellNodes(root);
  let current = nodes.has(keys.initial) ? keys.initial : 0;
  const place = (cell: number, focus: boolean) => {
    const node = nodes.get(cell);
    if (!node) return;
    nodes.get(current)?.setAttribute('tabindex', '-1');
    current = cell;
    node.setAttribute('tabindex', '0');
    if (focus) node.focus();
  };
  for (const [i, node] of nodes) node.setAttribute('tabindex', i === current ? '0' : '-1');
  root.addEventListener('keydown', (event) => {
    const e = event as KeyboardEvent;
    const from = cellOf(e.target);
    if (from === null) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      keys.activate(from);
      return;
    }
    const to = neighbourCell(keys.cells, from, e.key);
    if (to === from || to < 0) return;
    e.preventDefault();
    place(to, true);
  });
  root.addEventListener('focusin', (e) => {
    const cell = cellOf(e.target);
    if (cell === null) return;
    if (cell !== current) place(cell, false);
    keys.focused?.(cell);
  });
  return place;
}

function cellOf(target: EventTarget | null): number | null {
  if (!(target instanceof Element) || !target.classList.contains('heat-cell')) return null;
  const v = target.getAttribute('data-cell');
  return v === null ? null : Number(v);
}

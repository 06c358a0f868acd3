/** The closed vocabulary of the synthetic world: colours, shapes and scene geometry. */

export const COLOURS = {
  red: '#e53935',
  green: '#43a047',
  blue: '#1e88e5',
  yellow: '#fdd835',
  purple: '#9c4dcc',
  orange: '#fb8c00',
  cyan: '#00bcd4',
  pink: '#f48fb1',
} as const;

export type Colour = keyof typeof COLOURS;
export const COLOUR_NAMES = Object.keys(COLOURS) as Colour[];

export const SHAPE_NAMES = ['circle', 'square', 'triangle', 'star', 'cross', 'diamond', 'heart', 'ring'] as const;
export type Shape = (typeof SHAPE_NAMES)[number];

/** Canvas geometry shared by the trainer, the exported model and the ID derivation. */
export const CANVAS_SIZE = 96;
export const GRID_SIZE = 4;
export const CELL_SIZE = CANVAS_SIZE / GRID_SIZE;
/** Object sizes in pixels (bounding-box side): 0.42 to 0.92 of a cell, as the paper's 4 sizes span a cell. */
export const OBJECT_SIZES = [10, 14, 18, 22] as const;
export const DEFAULT_FRAMES = 8;

export function isColour(name: string): name is Colour {
  return Object.prototype.hasOwnProperty.call(COLOURS, name);
}

export function isShape(name: string): name is Shape {
  return (SHAPE_NAMES as readonly string[]).includes(name);
}

import type { NormalisedBox } from '../../../protocol/requests';
import { boxFromCorners } from '../logic/grid';
import { setChildren, svg } from './dom';

/**
 * Ground-truth boxes drawn on the picture: drag to draw the box of the object being placed, in
 * normalised coordinates (0..1 of the picture's width and height, whatever size it is shown at).
 * The boxes already drawn stay outlined with their object's name.
 */

/** Boxes smaller than this (a click, not a drag) are ignored. */
const MIN_SIDE = 0.01;

export class BoxLayer {
  readonly element: SVGSVGElement;
  private boxes: Record<string, NormalisedBox> = {};
  private object: string | null = null;
  private start: { x: number; y: number } | null = null;
  private draft: NormalisedBox | null = null;

  constructor(private readonly onBox: (object: string, box: NormalisedBox) => void) {
    this.element = svg('svg', { class: 'heat-overlay box-layer', viewBox: '0 0 1 1', preserveAspectRatio: 'none', 'data-view': 'boxes', role: 'img', 'aria-label': 'Ground-truth boxes', 'pointer-events': 'none' });
    this.element.addEventListener('pointerdown', (e) => {
      if (!this.object) return;
      this.start = this.point(e);
      this.element.setPointerCapture?.(e.pointerId);
      e.preventDefault();
    });
    this.element.addEventListener('pointermove', (e) => {
      if (!this.start) return;
      const p = this.point(e);
      this.draft = boxFromCorners(this.start.x, this.start.y, p.x, p.y);
      this.draw();
    });
    this.element.addEventListener('pointerup', (e) => {
      if (!this.start || !this.object) return;
      const p = this.point(e);
      const box = boxFromCorners(this.start.x, this.start.y, p.x, p.y);
      this.start = null;
      this.draft = null;
      if (box.width >= MIN_SIDE && box.height >= MIN_SIDE) this.onBox(this.object, box);
      this.draw();
    });
  }

  /** The boxes to show, and the object a drag draws (null: not drawing, the layer lets the pointer through). */
  update(boxes: Record<string, NormalisedBox>, drawing: string | null): void {
    this.boxes = boxes;
    this.object = drawing;
    this.element.classList.toggle('drawing', drawing !== null);
    this.element.setAttribute('pointer-events', drawing ? 'all' : 'none');
    this.draw();
  }

  private point(e: PointerEvent): { x: number; y: number } {
    const r = this.element.getBoundingClientRect();
    return { x: r.width > 0 ? (e.clientX - r.left) / r.width : 0, y: r.height > 0 ? (e.clientY - r.top) / r.height : 0 };
  }

  private draw(): void {
    const shown = Object.entries(this.boxes).filter(([o]) => !(this.draft && o === this.object));
    const outline = (b: NormalisedBox, object: string, cls: string) =>
      svg('rect', { class: cls, x: b.x, y: b.y, width: b.width, height: b.height, fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-dasharray': cls === 'box-draft' ? '4 3' : undefined, 'vector-effect': 'non-scaling-stroke', 'data-object': object },
        svg('title', {}, `${object}: x ${b.x.toFixed(3)}, y ${b.y.toFixed(3)}, ${b.width.toFixed(3)} x ${b.height.toFixed(3)} of the picture`));
    setChildren(
      this.element,
      ...shown.map(([o, b]) => outline(b, o, 'gt-box')),
      this.draft && this.object ? outline(this.draft, this.object, 'box-draft') : null,
    );
  }
}

import type { TokenInfo } from '../../../protocol/requests';
import { type PatchView, type Rect, patchViews } from '../logic/grid';
import { h, setChildren, show, svg } from './dom';

/**
 * The model's own token grid over the picture (its family's layout, from each media token's
 * place: a square grid, Qwen2-VL's grid of the picture's shape, SmolVLM's tiles and global image),
 * and the prompt's tokens as a list. Hovering a patch highlights its token in the list and
 * hovering a token shows its patch; with several views (tiles, global image) a switch picks one,
 * and hovering a token of another view switches to it.
 */

export class TokenGridLayer {
  readonly element: SVGSVGElement;
  private views: PatchView[] = [];
  private active = '';
  private lit: number | null = null;

  constructor(private readonly onHover: (position: number | null) => void) {
    this.element = svg('svg', { class: 'heat-overlay token-grid', viewBox: '0 0 1 1', preserveAspectRatio: 'none', role: 'img', 'aria-label': "The model's token grid over the picture", 'data-view': 'token-grid' });
    this.element.addEventListener('mouseover', (e) => {
      const p = positionOf(e.target);
      if (p !== null) this.onHover(p);
    });
    this.element.addEventListener('mouseleave', () => this.onHover(null));
  }

  get viewKeys(): string[] {
    return this.views.map((v) => v.key);
  }

  get activeView(): string {
    return this.active;
  }

  setViews(views: PatchView[]): void {
    this.views = views;
    if (!views.some((v) => v.key === this.active)) this.active = views[0]?.key ?? '';
    this.draw();
  }

  showView(key: string): void {
    if (key === this.active || !this.views.some((v) => v.key === key)) return;
    this.active = key;
    this.draw();
  }

  /** Which view holds a token (null when none of them does: a text token). */
  viewOf(position: number): string | null {
    return this.views.find((v) => v.patches.some((p) => p.position === position))?.key ?? null;
  }

  labelOf(position: number): string | null {
    for (const v of this.views) for (const p of v.patches) if (p.position === position) return p.label;
    return null;
  }

  highlight(position: number | null): void {
    this.lit = position;
    for (const node of this.element.querySelectorAll('.token-patch')) {
      const on = Number(node.getAttribute('data-position')) === position;
      node.classList.toggle('lit', on);
      node.setAttribute('stroke-width', on ? '3' : '1');
      node.setAttribute('fill-opacity', on ? '0.35' : '0');
    }
  }

  private draw(): void {
    const view = this.views.find((v) => v.key === this.active);
    const rect = (r: Rect, attrs: Record<string, string | number>) => svg('rect', { x: r.x, y: r.y, width: r.width, height: r.height, 'vector-effect': 'non-scaling-stroke', ...attrs });
    setChildren(
      this.element,
      ...(view?.patches ?? []).map((p) =>
        rect(p, { class: 'token-patch', fill: 'currentColor', 'fill-opacity': 0, stroke: 'currentColor', 'stroke-opacity': 0.55, 'stroke-width': 1, 'data-position': p.position }),
      ),
      ...(view?.tiles ?? []).map((t) => rect(t, { class: 'token-tile', fill: 'none', stroke: 'currentColor', 'stroke-width': 3, 'pointer-events': 'none' })),
    );
    this.element.setAttribute('data-active', this.active);
    if (this.lit !== null) this.highlight(this.lit);
  }
}

/** The prompt's tokens in order; media tokens as small squares (their patch shows on hover). */
export class TokenList {
  readonly element: HTMLElement;
  private tokens: readonly TokenInfo[] = [];

  constructor(private readonly onHover: (position: number | null) => void) {
    this.element = h('div', { class: 'token-list', attrs: { 'data-view': 'token-list', role: 'list', 'aria-label': 'Prompt tokens' } });
    this.element.addEventListener('mouseover', (e) => {
      const p = positionOf(e.target);
      if (p !== null) this.onHover(p);
    });
    this.element.addEventListener('mouseleave', () => this.onHover(null));
  }

  setTokens(tokens: readonly TokenInfo[]): void {
    if (tokens === this.tokens) return;
    this.tokens = tokens;
    setChildren(
      this.element,
      ...tokens.map((t) =>
        h('span', {
          class: `token-chip ${t.kind === 'text' ? 'text-token' : 'media-token'}`,
          text: t.kind === 'text' ? t.text : '▪',
          attrs: { role: 'listitem', 'data-position': t.position, 'data-kind': t.kind, title: `#${t.position} ${t.text}` },
        }),
      ),
    );
  }

  highlight(position: number | null): void {
    for (const node of this.element.querySelectorAll('.token-chip')) node.classList.toggle('lit', Number(node.getAttribute('data-position')) === position);
  }
}

/** The grid, its view switch, the token list and a readout, kept in step. */
export class TokenGridView {
  readonly layer: TokenGridLayer;
  readonly list: TokenList;
  readonly element: HTMLElement;
  private readonly switcher: HTMLElement;
  private readonly readout: HTMLElement;
  private tokens: readonly TokenInfo[] = [];

  constructor() {
    this.layer = new TokenGridLayer((p) => this.hover(p));
    this.list = new TokenList((p) => this.hover(p, true));
    this.switcher = h('div', { class: 'token-views', attrs: { role: 'group', 'aria-label': 'Token grid' } });
    this.readout = h('div', { class: 'readout token-readout', attrs: { 'aria-live': 'polite' } });
    this.element = h('div', { class: 'token-grid-view', attrs: { 'data-view': 'tokens' } }, this.switcher, this.readout, this.list.element);
  }

  /** The forward result's tokens, the frame shown, and the part of the picture the model sees. */
  update(tokens: readonly TokenInfo[], frame: number, region?: Rect): void {
    this.tokens = tokens;
    const views = patchViews(tokens, frame, region);
    this.layer.setViews(views);
    this.list.setTokens(tokens);
    show(this.switcher, views.length > 1);
    setChildren(
      this.switcher,
      ...views.map((v) => h('button', { class: 'token-view-button', text: v.label, attrs: { type: 'button', 'data-token-view': v.key, 'aria-pressed': String(v.key === this.layer.activeView) }, on: { click: () => this.switchTo(v.key) } })),
    );
    const media = views.reduce((n, v) => n + v.patches.length, 0);
    this.readout.textContent = media ? `${media} media tokens: ${views.map((v) => v.label).join(' + ')}. Hover a patch or a token.` : 'No media tokens in this prompt.';
  }

  /** No tokens to show (before a run): an empty grid and list, and why. */
  clear(message: string): void {
    this.tokens = [];
    this.layer.setViews([]);
    this.list.setTokens([]);
    show(this.switcher, false);
    setChildren(this.switcher);
    this.readout.textContent = message;
  }

  private switchTo(key: string): void {
    this.layer.showView(key);
    for (const b of this.switcher.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.getAttribute('data-token-view') === key));
  }

  private hover(position: number | null, fromList = false): void {
    if (position !== null && fromList) {
      const view = this.layer.viewOf(position);
      if (view) this.switchTo(view);
    }
    this.layer.highlight(position);
    this.list.highlight(position);
    const token = position === null ? null : this.tokens.find((t) => t.position === position);
    if (token) this.readout.textContent = `#${token.position} ${token.kind === 'text' ? JSON.stringify(token.text) : `${token.kind} token: ${this.layer.labelOf(token.position) ?? 'not on this frame'}`}`;
  }
}

function positionOf(target: EventTarget | null): number | null {
  if (!(target instanceof Element)) return null;
  const v = target.getAttribute('data-position');
  return v === null ? null : Number(v);
}

import type { InitBody } from '../../../protocol/webview';
import { type Rect, visibleRegionOf } from '../logic/grid';
import { h, show } from './dom';

/**
 * The picture as the model receives it, beside the original: the part its processor keeps (LLaVA's
 * centre crop; the whole picture otherwise) resized to the encoder's input (96x96 for the bundled
 * model), drawn pixel for pixel and enlarged, so that a 1024x768 drawing read as 96 squashed pixels
 * looks like what it is. The browser's resampling stands in for the processor's (bicubic or
 * bilinear): close enough to see what survives the resize, not for measuring. Families whose
 * processor sizes each picture to its own grid (imageSize null) say so instead of guessing a size.
 */
export class ModelInputView {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly caption: HTMLElement;
  private readonly source = new Image();
  private key = '';
  private size: { width: number; height: number } | null = null;
  private family: string | null = null;
  private region: Rect | null = null;

  constructor() {
    this.canvas = h('canvas', { class: 'model-input-canvas', attrs: { role: 'img' } }) as HTMLCanvasElement;
    this.caption = h('figcaption', { class: 'muted model-input-caption' });
    this.element = h('figure', { class: 'model-input', attrs: { 'data-view': 'model-input' } }, this.canvas, this.caption);
    this.source.addEventListener('load', () => this.draw());
    this.source.addEventListener('error', () => {
      // the original's own view reports an unreadable picture; here only the caption changes
      show(this.canvas, false);
      this.caption.textContent = 'What the model sees: the picture could not be read here.';
    });
  }

  /** `region`: the part of the picture the server said the model sees (a probe's domain); null: the family's. */
  update(init: InitBody, frame: number, region: Rect | null): void {
    const media = init.media;
    const uri = media.kind === 'video' ? media.frames?.[frame]?.image ?? null : media.displayUri;
    const size = init.model?.imageSize ?? null;
    const family = init.model?.family ?? null;
    show(this.element, init.model !== null && uri !== null);
    if (!init.model || !uri) return;
    const key = JSON.stringify([uri, size, family, region]);
    if (key === this.key) return;
    this.key = key;
    this.size = size;
    this.family = family;
    this.region = region;
    if (this.source.getAttribute('src') !== uri) this.source.src = uri;
    else if (this.source.complete && this.source.naturalWidth > 0) this.draw();
  }

  private draw(): void {
    const { naturalWidth: w, naturalHeight: h0 } = this.source;
    if (!(w > 0 && h0 > 0)) return;
    if (!this.size) {
      show(this.canvas, false);
      this.caption.textContent = `What the model sees: the ${this.family ?? 'model'} processor resizes this ${w}x${h0} picture to a grid of its own (its size follows the picture), so it is not redrawn here.`;
      return;
    }
    const r = this.region ?? visibleRegionOf(this.family, w, h0);
    const { width, height } = this.size;
    this.canvas.width = width;
    this.canvas.height = height;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(this.source, r.x * w, r.y * h0, r.width * w, r.height * h0, 0, 0, width, height);
    show(this.canvas, true);
    const cropped = r.width < 1 || r.height < 1 ? `the centre ${Math.round(r.width * w)}x${Math.round(r.height * h0)} of the ` : 'the ';
    const text = w === width && h0 === height && !(r.width < 1 || r.height < 1) ? `What the model sees: ${width}x${height}, the picture as it is.` : `What the model sees: ${width}x${height}, ${cropped}${w}x${h0} picture resized.`;
    this.caption.textContent = text;
    this.canvas.setAttribute('aria-label', text);
    this.canvas.setAttribute('data-size', `${width}x${height}`);
  }
}

import type { FramePreview } from '../../../protocol/requests';
import type { InspectedMedia } from '../../../protocol/webview';
import { h, setChildren, show } from './dom';
import { HeatmapFigure, type OverlayOptions } from './heatmapOverlay';

/** The inspected picture (for a video: the current frame, a scrubber and the frame strip) with the selected object's heatmap; click a cell to steer. */

export interface MediaHandlers {
  onCellClick(cell: number): void;
  onFrame(frame: number): void;
  onImageError(uri: string): void;
}

export class MediaView {
  readonly element: HTMLElement;
  private readonly figure: HeatmapFigure;
  private readonly scrubber: HTMLInputElement;
  private readonly frameLabel: HTMLElement;
  private readonly videoControls: HTMLElement;
  private readonly strip: HTMLElement;
  private stripFrames: readonly FramePreview[] = [];

  constructor(private readonly handlers: MediaHandlers) {
    this.figure = new HeatmapFigure((cell) => handlers.onCellClick(cell), (uri) => handlers.onImageError(uri), 'main-figure');
    this.scrubber = h('input', { class: 'frame-range', attrs: { type: 'range', min: 0, max: 0, step: 1, value: 0, 'aria-label': 'Frame', 'data-control': 'frame' } });
    this.scrubber.addEventListener('input', () => handlers.onFrame(Number(this.scrubber.value)));
    this.frameLabel = h('span', { class: 'layer-value frame-value' });
    this.strip = h('div', { class: 'frame-strip' });
    this.videoControls = h('div', { class: 'video-controls', attrs: { hidden: true } }, h('div', { class: 'layer-slider' }, h('vscode-label', { text: 'Frame' }), this.scrubber, this.frameLabel), this.strip);
    this.element = h('section', { class: 'media-view', attrs: { 'data-view': 'media' } }, this.figure.element, this.videoControls);
  }

  /** The selected object's heatmap (redrawn only when it changed: the caller memoises). */
  setOverlay(overlay: OverlayOptions | null): void {
    this.figure.setOverlay(overlay);
  }

  update(media: InspectedMedia, frame: number, hint: string): void {
    const frames = media.kind === 'video' ? media.frames ?? [] : [];
    const uri = frames.length > 0 ? frames[Math.min(frame, frames.length - 1)].image : media.displayUri;
    this.figure.setImage(uri, media.kind === 'video' ? `Frame ${frame + 1} of ${media.path}` : media.path);
    this.figure.setHint(hint);
    show(this.videoControls, frames.length > 0);
    if (frames.length > 0) {
      this.scrubber.max = String(frames.length - 1);
      if (this.scrubber.value !== String(frame)) this.scrubber.value = String(frame);
      this.frameLabel.textContent = `${frame + 1} / ${frames.length}`;
      if (frames !== this.stripFrames) {
        this.stripFrames = frames;
        setChildren(
          this.strip,
          ...frames.map((f, i) =>
            h('button', { class: 'frame-thumb', attrs: { title: frameTitle(f, i), 'data-frame': i }, on: { click: () => this.handlers.onFrame(i) } }, h('img', { attrs: { src: f.image, alt: `frame ${i + 1}` } })),
          ),
        );
      }
      this.strip.querySelectorAll('.frame-thumb').forEach((b, i) => b.classList.toggle('current', i === frame));
    }
  }
}

/** "Frame 4: clip frame 6 at 0.60 s": the model's frame number and which frame of the clip it is. */
export function frameTitle(f: FramePreview, i: number): string {
  return `Frame ${i + 1}: clip frame ${f.index}${f.seconds === null ? '' : ` at ${f.seconds.toFixed(2)} s`}`;
}

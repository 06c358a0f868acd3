import type { FramePreview, NormalisedBox, TokenInfo } from '../../../protocol/requests';
import type { InspectedMedia } from '../../../protocol/webview';
import { type Rect, frameLabel } from '../logic/grid';
import type { MediaMode } from '../state/panelState';
import { BoxLayer } from './boxDrawing';
import { h, setChildren, show } from './dom';
import { HeatmapFigure, type OverlayOptions } from './heatmapOverlay';
import { TokenGridView } from './tokenGrid';

/**
 * The inspected picture (for a video: the current frame, a scrubber and the frame strip) and what
 * is drawn over it, by mode: the selected object's heatmap (click a cell to steer), the model's
 * token grid with the prompt's tokens (hover either), or ground-truth boxes drawn by dragging for
 * the object picked. Drawn boxes stay outlined under the heatmap.
 */


export interface MediaHandlers {
  onCellClick(cell: number): void;
  onFrame(frame: number): void;
  onImageError(uri: string): void;
  onMode(mode: MediaMode): void;
  onBoxObject(object: string): void;
  onBox(object: string, box: NormalisedBox): void;
  onClearBox(object: string): void;
}

/** What the layers over the picture show. */
export interface MediaLayers {
  mode: MediaMode;
  family: string | null;
  /** The part of the picture the model sees, as the probe's domain says; null: from the family and the picture's size. */
  region: Rect | null;
  /** The last run's prompt tokens (null before a run). */
  tokens: readonly TokenInfo[] | null;
  /** Objects a box can be drawn for (the question's). */
  objects: readonly string[];
  boxObject: string | null;
  boxes: Record<string, NormalisedBox>;
  /** Boxes place objects on a picture for a spatial bank: not on a clip. */
  canBox: boolean;
}

const MODES: Array<{ mode: MediaMode; label: string; title: string }> = [
  { mode: 'heatmap', label: 'Heatmap', title: 'Where the model places the selected object; click a cell to steer it there' },
  { mode: 'tokens', label: 'Tokens', title: "The model's token grid over the picture and the prompt's tokens" },
  { mode: 'boxes', label: 'Draw boxes', title: 'Drag on the picture to draw where an object really is: the probe then gives its deviation per layer' },
];

type Radio = HTMLElement & { checked: boolean };

export class MediaView {
  readonly element: HTMLElement;
  private readonly figure: HeatmapFigure;
  private readonly tokens: TokenGridView;
  private readonly boxLayer: BoxLayer;
  private readonly modes: HTMLElement;
  private readonly boxBar: HTMLElement;
  private readonly boxObjects: HTMLElement;
  private readonly clearBox: HTMLElement;
  private readonly boxNote: HTMLElement;
  private readonly scrubber: HTMLInputElement;
  private readonly frameLabel: HTMLElement;
  private readonly videoControls: HTMLElement;
  private readonly strip: HTMLElement;
  private stripFrames: readonly FramePreview[] = [];
  private objectList = '';
  private layers: MediaLayers | null = null;
  private frame = 0;

  constructor(private readonly handlers: MediaHandlers) {
    this.figure = new HeatmapFigure((cell) => handlers.onCellClick(cell), (uri) => handlers.onImageError(uri), 'main-figure');
    this.tokens = new TokenGridView();
    this.boxLayer = new BoxLayer((object, box) => handlers.onBox(object, box));
    this.figure.addLayer(this.tokens.layer.element);
    this.figure.addLayer(this.boxLayer.element);
    this.figure.onRegion = () => this.drawTokens();

    this.modes = h(
      'vscode-radio-group',
      { class: 'media-modes', attrs: { 'aria-label': 'Show over the picture', 'data-control': 'media-mode' } },
      ...MODES.map(({ mode, label, title }) => h('vscode-radio', { text: label, attrs: { name: 'media-mode', value: mode, title, 'data-mode': mode } })),
    );
    onPick(this.modes, (mode) => this.handlers.onMode(mode as MediaMode));
    this.boxObjects = h('vscode-radio-group', { class: 'box-objects', attrs: { 'aria-label': 'Object to draw the box of', 'data-control': 'box-object' } });
    onPick(this.boxObjects, (object) => this.handlers.onBoxObject(object));
    this.clearBox = h('vscode-button', { text: 'Clear box', attrs: { secondary: true, 'data-action': 'clear-box' }, on: { click: () => this.layers?.boxObject && this.handlers.onClearBox(this.layers.boxObject) } });
    this.boxNote = h('span', { class: 'muted box-note' });
    this.boxBar = h('div', { class: 'field-row box-bar', attrs: { hidden: true } }, h('vscode-label', { text: 'Box for' }), this.boxObjects, this.clearBox, this.boxNote);

    this.scrubber = h('input', { class: 'frame-range', attrs: { type: 'range', min: 0, max: 0, step: 1, value: 0, 'aria-label': 'Frame', 'data-control': 'frame' } });
    this.scrubber.addEventListener('input', () => handlers.onFrame(Number(this.scrubber.value)));
    this.frameLabel = h('span', { class: 'layer-value frame-value' });
    this.strip = h('div', { class: 'frame-strip' });
    this.videoControls = h('div', { class: 'video-controls', attrs: { hidden: true } }, h('div', { class: 'layer-slider' }, h('vscode-label', { text: 'Frame' }), this.scrubber, this.frameLabel), this.strip);
    this.element = h(
      'section',
      { class: 'media-view', attrs: { 'data-view': 'media' } },
      h('div', { class: 'field-row media-mode-row' }, this.modes),
      this.boxBar,
      this.figure.element,
      this.tokens.element,
      this.videoControls,
    );
  }

  /** The selected object's heatmap (redrawn only when it changed: the caller memoises). */
  setOverlay(overlay: OverlayOptions | null): void {
    this.figure.setOverlay(overlay);
  }

  /** The mode and what its layers draw. */
  setLayers(layers: MediaLayers): void {
    const mode = layers.mode === 'boxes' && !layers.canBox ? 'heatmap' : layers.mode;
    const previous = this.layers;
    this.layers = { ...layers, mode };
    for (const radio of this.modes.querySelectorAll<Radio>('vscode-radio')) {
      radio.checked = radio.getAttribute('value') === mode;
      if (radio.getAttribute('value') === 'boxes') show(radio, layers.canBox);
    }
    this.figure.setRegion(layers.region, layers.family);
    this.figure.showOverlay(mode === 'heatmap');
    this.figure.element.setAttribute('data-mode', mode);
    show(this.tokens.layer.element, mode === 'tokens');
    show(this.tokens.element, mode === 'tokens');
    if (!previous || previous.tokens !== layers.tokens) this.drawTokens();
    this.updateBoxes(mode);
  }

  update(media: InspectedMedia, frame: number, hint: string): void {
    const frames = media.kind === 'video' ? media.frames ?? [] : [];
    const uri = frames.length > 0 ? frames[Math.min(frame, frames.length - 1)].image : media.displayUri;
    this.figure.setImage(uri, media.kind === 'video' ? `${capitalised(frameLabel(frame, frames.length))} of ${media.path}` : media.path);
    this.figure.setHint(hint);
    if (frame !== this.frame) {
      this.frame = frame;
      this.drawTokens();
    }
    show(this.videoControls, frames.length > 0);
    if (frames.length > 0) {
      this.scrubber.max = String(frames.length - 1);
      if (this.scrubber.value !== String(frame)) this.scrubber.value = String(frame);
      this.frameLabel.textContent = frameLabel(frame, frames.length);
      this.scrubber.setAttribute('aria-valuetext', frameLabel(frame, frames.length));
      if (frames !== this.stripFrames) {
        this.stripFrames = frames;
        setChildren(
          this.strip,
          ...frames.map((f, i) =>
            h('button', { class: 'frame-thumb', attrs: { title: frameTitle(f, i, frames.length), 'data-frame': i }, on: { click: () => this.handlers.onFrame(i) } }, h('img', { attrs: { src: f.image, alt: frameLabel(i, frames.length) } })),
          ),
        );
      }
      this.strip.querySelectorAll('.frame-thumb').forEach((b, i) => b.classList.toggle('current', i === frame));
    }
  }

  private drawTokens(): void {
    const tokens = this.layers?.tokens;
    if (tokens) this.tokens.update(tokens, this.frame, this.figure.region);
    else this.tokens.clear('Run the question to see how the model cuts the picture into tokens.');
  }

  private updateBoxes(mode: MediaMode): void {
    const l = this.layers!;
    const drawing = mode === 'boxes' ? (l.boxObject && l.objects.includes(l.boxObject) ? l.boxObject : l.objects[0] ?? null) : null;
    show(this.boxBar, mode === 'boxes');
    // boxes show under the heatmap and while drawing; the token grid is read alone
    show(this.boxLayer.element, mode !== 'tokens');
    this.boxLayer.update(l.boxes, drawing);
    const names = l.objects.join('\n');
    if (names !== this.objectList) {
      this.objectList = names;
      setChildren(
        this.boxObjects,
        ...l.objects.map((o) => h('vscode-radio', { text: o, attrs: { name: 'box-object', value: o, 'data-box-object': o } })),
      );
    }
    for (const radio of this.boxObjects.querySelectorAll<Radio>('vscode-radio')) {
      radio.checked = radio.getAttribute('value') === drawing;
      radio.classList.toggle('has-box', l.boxes[radio.getAttribute('value') ?? ''] !== undefined);
    }
    this.clearBox.toggleAttribute('disabled', !drawing || !l.boxes[drawing]);
    this.boxNote.textContent = !drawing
      ? 'Name the objects in the question first.'
      : l.boxes[drawing]
        ? `Drag again to redraw the box of ${drawing}; Run gives its deviation.`
        : `Drag on the picture where ${drawing} is.`;
  }
}

/**
 * The value of the radio picked in a group, by click (a change event) or by the arrow keys (the
 * group checks the next radio in its own keydown handler, which runs first, without a change event).
 */
function onPick(group: HTMLElement, pick: (value: string) => void): void {
  // a pick of the value already shown is a no-op for the controller
  const read = () => {
    const value = [...group.querySelectorAll<Radio>('vscode-radio')].find((r) => r.checked)?.getAttribute('value');
    if (value) pick(value);
  };
  group.addEventListener('change', read);
  group.addEventListener('keydown', read);
}

/** "Frame 4 of 8: clip frame 6 at 0.60 s": the model's frame (1-based, like every frame the panel names) and which frame of the clip it is (the clip's own 0-based index, as ffmpeg counts). */
export function frameTitle(f: FramePreview, i: number, of?: number): string {
  return `${capitalised(frameLabel(i, of))}: clip frame ${f.index}${f.seconds === null ? '' : ` at ${f.seconds.toFixed(2)} s`}`;
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

import type { FlipMapParams, FlipMapResult, ForwardParams, SteerParams, SteerResult } from '../../../protocol/requests';
import { activationSafetensors, bytesToBase64 } from '../logic/activationExport';
import { flipMapCommand, steerBatchCommand, steerCommand } from '../logic/cliCommand';
import { clampBand } from '../logic/layers';
import { templatesOf } from '../logic/questions';
import { type PanelState, currentStep, maxLayerOf, mediaRef, selectedObject } from '../state/panelState';
import { bandRows, renderBandChart } from '../views/bandChart';
import { type CardContext, ChartCard } from '../views/chartCard';
import { safeFileName } from '../views/chartExport';
import { h, setChildren } from '../views/dom';
import { note } from '../views/heatmapOverlay';
import { flipMapRows, renderFlipMap } from '../views/flipMap';
import type { Theme } from '../views/theme';
import type { Controller } from './controller';

/**
 * The plots a TransformerLens/nnsight user reaches for next, as three cards: the flip map (steer
 * the selected object to every cell, beside the noise control), steering vs noise by layer band
 * over held-out scenes (the model card's table), and the run's activations as safetensors with
 * the current intervention as a CLI command. Each asks the server through the controller
 * (guarded: one action at a time, with its progress and Cancel) and keeps its latest result.
 */

const DEFAULT_BAND_BATCH = 50;

/** The run's named objects and answer words, as steering sends them. */
function named(s: PanelState): { objects?: string[]; answers?: string[] } {
  const objects = s.baseline?.probe?.objects;
  const answers = s.baseline?.forward.answers;
  return { ...(objects?.length ? { objects } : {}), ...(answers && answers.length >= 2 ? { answers } : {}) };
}

/** The most activation values (layers x positions x hidden) the panel exports: ~100 MB as JSON. */
const MAX_EXPORT_VALUES = 8e6;

export class ResearchPlots {
  readonly cards: HTMLElement[];
  private readonly flipCard: ChartCard;
  private readonly bandCard: ChartCard;
  private readonly flipBody = h('div', { class: 'flip-map-body' });
  private readonly bandBody = h('div', { class: 'band-body' });
  private readonly bandField: HTMLElement & { value: string };
  private readonly buttons: HTMLElement[];
  private readonly cliText = h('code', { class: 'cli-command', attrs: { 'data-cli': '' } });
  private readonly exportStatus = h('span', { class: 'muted export-status', attrs: { role: 'status' } });
  private flip: { params: FlipMapParams; result: FlipMapResult } | null = null;
  private bands: { params: SteerParams; result: SteerResult } | null = null;
  private flipCharts: SVGSVGElement[] = [];
  private bandCharts: SVGSVGElement[] = [];
  private drawn: unknown[] = [];

  constructor(
    private readonly controller: Controller,
    context: CardContext,
    private readonly layout: { theme(): Theme; width(): number },
  ) {
    this.flipCard = new ChartCard('flipmap', 'Flip map', {
      name: () => `flip-map-${this.flip?.result.object ?? 'object'}`,
      charts: () => this.flipCharts,
      data: () => (this.flip ? { rows: flipMapRows(this.flip.result), json: this.flip.result } : null),
    }, context);
    const flipButton = h('vscode-button', { text: 'Flip map', attrs: { 'data-action': 'flip-map', title: 'Steer the selected object to every cell at the steering band, beside the matched-norm noise control' }, on: { click: () => void this.runFlipMap() } });
    this.flipCard.body.append(h('div', { class: 'field-row' }, flipButton, h('span', { class: 'muted', text: 'the selected object, at the steering band' })), this.flipBody);

    this.bandField = h('vscode-textfield', { class: 'band-batch-field', attrs: { type: 'number', min: 1, step: 1, value: String(DEFAULT_BAND_BATCH), 'aria-label': 'Held-out scenes', title: 'How many held-out scenes each layer band is steered on' } }) as HTMLElement & { value: string };
    const bandButton = h('vscode-button', { text: 'Steering vs noise', attrs: { 'data-action': 'band-sweep', title: 'Flip rate of steering and of matched-norm noise per layer band over held-out scenes' }, on: { click: () => void this.runBands() } });
    this.bandCard = new ChartCard('bands', 'Steering vs noise by layer band', {
      name: () => 'steering-vs-noise-by-band',
      charts: () => this.bandCharts,
      data: () => (this.bands ? { rows: bandRows(this.bands.result), json: this.bands.result } : null),
    }, context);
    this.bandCard.body.append(h('div', { class: 'field-row' }, bandButton, h('vscode-label', { text: 'Scenes' }), this.bandField), this.bandBody);

    const exportButton = h('vscode-button', { text: 'Export activations…', attrs: { 'data-action': 'export-activations', title: 'The residual stream at every layer and position of the current prompt (under the current steering), as safetensors with the token strings' }, on: { click: () => void this.exportActivations() } });
    const copyButton = h('vscode-button', { text: 'Copy as CLI command', attrs: { 'data-action': 'copy-cli', secondary: true, title: 'The command line that reproduces the current intervention' }, on: { click: () => void this.copyCli() } });
    this.buttons = [flipButton, bandButton, exportButton];
    const runCard = h('vscode-collapsible', { class: 'card', attrs: { heading: 'Activations and CLI', open: true, 'data-card': 'activations' } },
      h('div', { class: 'card-body' }, h('div', { class: 'field-row' }, exportButton, copyButton, this.exportStatus), this.cliText));
    this.cards = [this.flipCard.element, this.bandCard.element, runCard];
  }

  render(state: PanelState | null, busy: boolean): void {
    for (const b of this.buttons) b.toggleAttribute('disabled', busy || !state?.init.model);
    const key = [this.flip, this.bands, this.layout.theme(), this.layout.width()];
    if (key.every((k, i) => k === this.drawn[i])) return;
    this.drawn = key;
    const width = this.layout.width();
    const theme = this.layout.theme();
    if (this.flip) this.flipCharts = renderFlipMap(this.flipBody, { result: this.flip.result, width, theme });
    else note(this.flipBody, 'Run the question, pick the object, then Flip map: where moving it changes the answer, cell by cell.');
    if (this.bands) this.bandCharts = renderBandChart(this.bandBody, { result: this.bands.result, width, theme });
    else note(this.bandBody, 'Steers held-out scenes at every layer band; the noise control adds random directions of the same norm.');
    this.flipCard.setDescription(this.flip ? `layers ${this.flip.result.layers.join(', ')}` : '');
    this.bandCard.setDescription(this.bands ? `n = ${this.bands.result.perLayer?.[0]?.steering.n ?? 0}` : '');
    this.flipCard.refresh();
    this.bandCard.refresh();
  }

  private state(): PanelState | null {
    return this.controller.state;
  }

  private say(text: string): void {
    this.exportStatus.textContent = text;
  }

  async runFlipMap(): Promise<FlipMapResult | null> {
    const s = this.state();
    if (!s) return null;
    const object = selectedObject(s);
    const problem = !s.init.bank?.bank ? 'The flip map needs the ID bank for this model: Derive IDs first.' : !s.baseline ? 'Run the question first: the flip map steers its answer.' : !object ? 'Pick the object to move.' : null;
    if (problem || !s.baseline || !object) {
      setChildren(this.flipBody, h('p', { class: 'note', attrs: { role: 'status' }, text: problem ?? '' }));
      return null;
    }
    const params: FlipMapParams = {
      bank: s.init.bank!.bank!,
      media: mediaRef(s.init.media),
      question: s.baseline.forward.question,
      object,
      layers: clampBand(s.band, maxLayerOf(s.init)),
      ...(s.factor !== null ? { factor: s.factor } : {}),
      ...named(s),
    };
    const result = await this.controller.guarded('Flip map', () => this.controller.request('spatialIds/flipMap', params));
    if (result) {
      this.flip = { params, result };
      this.render(this.state(), false);
    }
    return result;
  }

  async runBands(): Promise<SteerResult | null> {
    const s = this.state();
    if (!s) return null;
    const batch = Math.round(Number(this.bandField.value));
    if (!Number.isFinite(batch) || batch < 1) {
      setChildren(this.bandBody, h('p', { class: 'note', attrs: { role: 'status' }, text: `Scenes must be a whole number of at least 1 (got "${this.bandField.value}").` }));
      return null;
    }
    const relation = s.baseline?.relation ?? templatesOf(s.init)[s.templateIndex]?.relation ?? (s.init.bank?.kind === 'temporal' ? 'beforeAfter' : 'leftRight');
    const params: SteerParams = { ...(s.init.bank?.bank ? { bank: s.init.bank.bank } : {}), batch, relation, ...(s.factor !== null ? { factor: s.factor } : {}) };
    const result = await this.controller.guarded('Steering vs noise', () => this.controller.request('spatialIds/steer', params));
    if (result) {
      this.bands = { params, result };
      this.render(this.state(), false);
    }
    return result;
  }

  /** The current prompt run again capturing every layer at every position (under the current steering), saved through the host's save dialog. */
  async exportActivations(): Promise<void> {
    const s = this.state();
    if (!s?.baseline) {
      this.say('Run the question first: the export holds that run’s activations.');
      return;
    }
    // Activations travel as JSON numbers through the host to this page: beyond a bound that is
    // hundreds of MB and stalls the editor (a 2B model's 1,000-token prompt holds ~45M values).
    const model = s.init.model;
    const values = model ? (model.numLayers + 1) * (s.baseline.tokens?.length ?? 0) * model.hiddenSize : 0;
    if (values > MAX_EXPORT_VALUES) {
      this.say(`This run holds ${(values / 1e6).toFixed(1)}M activation values (${model!.numLayers + 1} layers x ${(s.baseline.tokens?.length ?? 0)} tokens x ${model!.hiddenSize}), more than the panel exports (${MAX_EXPORT_VALUES / 1e6}M): use the CLI's forward --capture-layers and --capture-positions (--json) for the layers and positions you need.`);
      return;
    }
    const step = currentStep(s);
    const interventions = step?.outcome.interventions ?? [];
    const params: ForwardParams = { ...s.baseline.forward, capture: { layers: 'all', positions: 'all' }, ...(interventions.length ? { interventions } : {}) };
    const result = await this.controller.guarded('Export activations', () => this.controller.request('spatialIds/forward', params));
    if (!result) return;
    try {
      const file = activationSafetensors(result, s.init.model, { question: params.question, media: s.init.media.path });
      const stem = s.init.media.path.split(/[\\/]/).pop()?.replace(/\.[^.]*$/, '') ?? 'run';
      this.controller.exportFile({ suggestedName: safeFileName(`${stem}-activations${interventions.length ? '-steered' : ''}`, 'safetensors'), mime: 'application/octet-stream', data: bytesToBase64(file.bytes), encoding: 'base64' });
      this.say(`${file.names.length} layers x ${file.positions} positions x ${file.hidden}: choose where to save.`);
    } catch (e) {
      this.controller.reportError('Export activations', e);
    }
  }

  /** The CLI line of the latest intervention: the current steering step, else the flip map, else the band table. */
  cliCommand(): string | null {
    const s = this.state();
    if (!s) return null;
    const model = s.init.model?.dir ?? null;
    const step = currentStep(s);
    if (step) return steerCommand(step.params, model);
    if (this.flip) return flipMapCommand(this.flip.params, model);
    if (this.bands) return steerBatchCommand({ ...this.bands.params, ...(this.bands.result.factor !== undefined ? { factor: this.bands.result.factor } : {}) }, model);
    return null;
  }

  async copyCli(): Promise<void> {
    const command = this.cliCommand();
    if (!command) {
      this.say('Steer first (click a cell), or run a flip map: then its command line can be copied.');
      return;
    }
    this.cliText.textContent = command;
    try {
      await navigator.clipboard.writeText(command);
      this.say('Copied: run it at the extension’s root (or a checkout after npm run build).');
    } catch {
      // a webview without clipboard access: the command is shown to select and copy by hand
      this.say('The clipboard is not available here: select the command below and copy it.');
    }
  }
}

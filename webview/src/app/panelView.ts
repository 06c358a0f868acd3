import type { ProbeResult } from '../../../protocol/requests';
import { answerChangeSuffix } from '../logic/answerChange';
import { latticeRows, latticeScoreRows, probeRows, sweepRows } from '../logic/chartData';
import { symmetricExtent } from '../logic/colorScale';
import { cellLabel } from '../logic/grid';
import { formatLayerBand } from '../logic/layers';
import { argmaxAt, probeRowLayers, similarityAt } from '../logic/probeLayers';
import { shownArgmax } from '../logic/peakedness';
import { type PanelState, boxObjects, canDrawBoxes, currentProbe, currentStep, maxLayerOf, objectChoices, questionIsRun, selectedObject } from '../state/panelState';
import { AnswerView, answerContext } from '../views/answerView';
import { type CardContext, ChartCard } from '../views/chartCard';
import { h, setChildren, show } from '../views/dom';
import { ErrorBanner } from '../views/errorBanner';
import { ExperimentView } from '../views/experimentView';
import { Header } from '../views/header';
import { HeatmapFigure, type OverlayOptions, divergingFromTheme, gridExportSvg, note } from '../views/heatmapOverlay';
import { LayerSlider } from '../views/layerSlider';
import { MediaView } from '../views/mediaView';
import { layerView, renderLattice } from '../views/pcaLattice';
import { ModelInputView } from '../views/modelInput';
import { ProbeNotesView, heatmapHint } from '../views/probeNotes';
import { ProgressView } from '../views/progressView';
import { QuestionBox } from '../views/questionBox';
import { renderSimilarityMatrices } from '../views/similarityMatrix';
import { SteeringView } from '../views/steeringView';
import { LIMITS } from '../../../protocol/requestLimits';
import { batchHint, renderSweep, sweepCountText } from '../views/sweepChart';
import { renderTemporalStrip, temporalPanels } from '../views/temporalStrip';
import { type Theme, readTheme } from '../views/theme';
import type { Controller, PanelRenderer, Transient } from './controller';
import { ResearchPlots } from './researchPlots';
import { Memo, argmaxOf, cellName } from './panelHelpers';

/** The panel's layout: the picture and the question on the left, the charts on the right (one column when narrow). */
export class PanelView implements PanelRenderer {
  readonly element: HTMLElement;
  private theme: Theme;
  private themeVersion = 0;
  private state: PanelState | null = null;
  private transient: Transient = { busy: null, notice: null, bandError: null };

  private readonly header: Header;
  private readonly errors: ErrorBanner;
  private readonly progress: ProgressView;
  private readonly media: MediaView;
  private readonly probeNotes: ProbeNotesView;
  private readonly modelInput = new ModelInputView();
  private readonly slider: LayerSlider;
  private readonly question: QuestionBox;
  private readonly answer: AnswerView;
  private readonly steering: SteeringView;
  private readonly experiment: ExperimentView;
  private readonly loading: HTMLElement;
  private readonly layout: HTMLElement;
  private readonly charts: HTMLElement;

  private readonly heatmapCard: ChartCard;
  private readonly matrixCard: ChartCard;
  private readonly latticeCard: ChartCard;
  private readonly sweepCard: ChartCard;
  private readonly temporalCard: ChartCard;
  private readonly research: ResearchPlots;
  private readonly heatmapBody = h('div', { class: 'heatmap-grid' });
  private readonly matrixBody = h('div', { class: 'matrix-body' });
  private readonly latticeBody = h('div', { class: 'lattice-body' });
  private readonly sweepBody = h('div', { class: 'sweep-body' });
  private readonly temporalBody = h('div', { class: 'temporal-body' });
  private readonly latticeSelect: HTMLElement & { value: string };
  private readonly batchField: HTMLElement & { value: string };
  private readonly sweepButton: HTMLElement;
  private readonly batchHint = h('span', { class: 'muted batch-hint', attrs: { 'aria-live': 'polite' } });

  private matrixCharts: SVGSVGElement[] = [];
  private latticeCharts: SVGSVGElement[] = [];
  private sweepCharts: SVGSVGElement[] = [];
  private readonly memo = { overlay: new Memo(), notes: new Memo(), heatmaps: new Memo(), matrix: new Memo(), lattice: new Memo(), sweep: new Memo(), temporal: new Memo() };
  private heatmapFigures = new Map<string, HeatmapFigure>();

  constructor(private readonly controller: Controller) {
    this.theme = readTheme();
    const context: CardContext = {
      theme: () => this.theme,
      exportFile: (file) => controller.exportFile(file),
      reportError: (action, error) => controller.reportError(action, error),
    };
    this.header = new Header({ onDeriveIds: () => controller.deriveIds(), onSave: () => controller.save() });
    this.errors = new ErrorBanner(() => controller.retry(), () => controller.clearError());
    this.progress = new ProgressView(() => controller.cancel());
    this.media = new MediaView({
      onCellClick: (cell) => void controller.steerTo(cell),
      onFrame: (frame) => controller.setFrame(frame),
      onImageError: (uri) => controller.imageFailed(uri),
      onMode: (mode) => controller.setMediaMode(mode),
      onBoxObject: (object) => controller.setBoxObject(object),
      onBox: (object, box) => controller.setBox(object, box),
      onClearBox: (object) => controller.clearBox(object),
    });
    this.probeNotes = new ProbeNotesView((layer) => controller.setLayer(layer));
    this.slider = new LayerSlider((layer) => controller.setLayer(layer));
    this.question = new QuestionBox({
      onQuestion: (fields) => controller.setQuestion(fields),
      onRun: () => void controller.run(),
    });
    this.answer = new AnswerView();
    this.steering = new SteeringView({
      onObject: (o) => controller.selectObject(o),
      onBand: (text) => controller.setBand(text),
      onFactor: (f) => controller.setFactor(f),
      onUndo: () => controller.undo(),
    });
    this.experiment = new ExperimentView();

    this.heatmapCard = new ChartCard('heatmaps', 'Where the model places each object', {
      name: () => `heatmaps-layer-${this.state?.layer ?? 0}`,
      charts: () => this.heatmapExport(),
      data: () => this.heatmapData(),
    }, context);
    this.heatmapCard.body.appendChild(this.heatmapBody);

    this.matrixCard = new ChartCard('matrix', 'Similarity by layer and cell', {
      name: () => 'similarity-matrix',
      charts: () => this.matrixCharts,
      data: () => {
        const probe = this.state && currentProbe(this.state);
        return probe && this.state ? { rows: probeRows(probe, this.numLayers(), this.state.init.bank), json: probe } : null;
      },
    }, context);
    this.matrixCard.body.appendChild(this.matrixBody);

    this.latticeSelect = h('vscode-single-select', { class: 'lattice-select', attrs: { 'aria-label': 'Lattice coordinates' } },
      h('vscode-option', { text: 'PCA (first two components)', attrs: { value: 'pca', selected: true } }),
      h('vscode-option', { text: 'x/y axis plane', attrs: { value: 'plane' } }),
    ) as HTMLElement & { value: string };
    this.latticeSelect.addEventListener('change', () => controller.setLatticeView(this.latticeSelect.value === 'plane' ? 'plane' : 'pca'));
    this.latticeCard = new ChartCard('lattice', 'ID lattice', {
      name: () => `id-lattice-layer-${this.state?.layer ?? 0}`,
      charts: () => this.latticeCharts,
      data: () => {
        const bank = this.state?.init.bank;
        const view = bank && this.state ? layerView(bank, this.state.layer) : null;
        return bank && view ? { rows: latticeRows(bank, view), json: { layer: view, scores: latticeScoreRows(bank), cells: bank.cells } } : null;
      },
    }, context);
    this.latticeCard.body.append(h('div', { class: 'field-row' }, h('vscode-label', { text: 'Coordinates' }), this.latticeSelect), this.latticeBody);

    this.batchField = h('vscode-textfield', { class: 'batch-field', attrs: { type: 'number', min: 0, step: 1, value: '0', 'aria-label': 'Batch size', title: '0: this picture; N: N held-out scenes asking the same relation, with confidence bands and the attribute-swap control' } }) as HTMLElement & { value: string };
    this.batchField.addEventListener('change', () => controller.setSweepBatch(Number(this.batchField.value)));
    this.batchField.addEventListener('input', () => (this.batchHint.textContent = batchHint(this.batchField.value, LIMITS.batch.max)));
    this.sweepButton = h('vscode-button', { text: 'Patch from mirror', attrs: { 'data-action': 'patch' }, on: { click: () => void controller.sweepPatches() } });
    this.sweepCard = new ChartCard('sweep', 'Mirror patching sweep', {
      name: () => 'patching-sweep',
      charts: () => this.sweepCharts,
      data: () => (this.state?.sweep ? { rows: sweepRows(this.state.sweep), json: this.state.sweep } : null),
    }, context);
    this.sweepCard.body.append(
      h('div', { class: 'field-row' }, this.sweepButton, h('vscode-label', { text: 'Batch' }), this.batchField, this.batchHint),
      this.sweepBody,
    );

    this.temporalCard = new ChartCard('temporal', 'Temporal IDs', {
      name: () => `temporal-ids-layer-${this.state?.layer ?? 0}`,
      charts: () => this.temporalExport(),
      data: () => {
        const probe = this.state && currentProbe(this.state);
        return probe && this.state ? { rows: probeRows(probe, this.numLayers(), this.state.init.bank, this.state.layer), json: probe } : null;
      },
    }, context);
    this.temporalCard.body.appendChild(this.temporalBody);

    const experimentCard = h('vscode-collapsible', { class: 'card', attrs: { heading: 'Experiment', open: true, 'data-card': 'experiment' } }, h('div', { class: 'card-body' }, this.experiment.element));

    this.loading = h('div', { class: 'loading' }, h('vscode-progress-ring'), h('span', { text: 'Waiting for the extension…' }));
    this.research = new ResearchPlots(controller, context, { theme: () => this.theme, width: () => this.chartWidth() });
    this.charts = h('div', { class: 'column charts-column' }, this.heatmapCard.element, this.matrixCard.element, this.latticeCard.element, this.sweepCard.element, this.temporalCard.element, ...this.research.cards, experimentCard);
    const answerSection = h('section', { class: 'panel-section' }, h('h2', { text: 'Answer' }), this.answer.element);
    const steerSection = h('section', { class: 'panel-section' }, h('h2', { text: 'Steer' }), this.steering.element);
    this.layout = h(
      'main',
      { class: 'layout' },
      h('div', { class: 'column inspect-column' }, this.media.element, this.modelInput.element, this.probeNotes.element, this.slider.element, this.question.element, answerSection, steerSection),
      this.charts,
    );
    this.element = h('div', { class: 'panel' }, this.header.element, this.errors.element, this.progress.element, this.loading, this.layout);
  }

  /** The theme changed: read its colours again and redraw every chart. */
  themeChanged(): void {
    this.theme = readTheme();
    this.themeVersion++;
    this.rerender();
  }

  /** The chart column changed width. */
  resized(): void {
    this.rerender();
  }

  private rerender(): void {
    if (this.state) this.render(this.state, this.transient);
  }

  render(state: PanelState | null, transient: Transient): void {
    this.state = state;
    this.transient = transient;
    const pending = this.controller.pendingError;
    show(this.loading, state === null);
    show(this.layout, state !== null);
    if (!state) {
      this.errors.update(pending, false);
      return;
    }
    const { init } = state;
    const busy = transient.busy !== null;
    const bank = init.bank;
    const probe = currentProbe(state);
    const step = currentStep(state);
    const object = selectedObject(state);
    const maxLayer = maxLayerOf(init);

    this.header.update(init.media, init.model, bank, state.serverState);
    this.errors.update(state.error ?? pending, busy);
    this.progress.update(transient);
    this.question.update(state, busy, init.model !== null);
    this.slider.update(state.layer, maxLayer, state.band);
    this.media.update(init.media, state.frame, this.mediaHint(state, object));
    this.modelInput.update(init, state.frame, probe?.domain?.picture?.region ?? null);
    this.media.setLayers({
      mode: state.mediaMode,
      family: init.model?.family ?? null,
      region: probe?.domain?.picture?.region ?? null,
      tokens: state.baseline?.tokens ?? null,
      objects: boxObjects(state),
      boxObject: state.boxObject,
      boxes: state.boxes,
      canBox: canDrawBoxes(state),
    });
    if (this.memo.notes.changed([probe, state.layer, bank])) this.probeNotes.update({ probe, bank, numLayers: this.numLayers(), layer: state.layer });
    if (this.memo.overlay.changed([probe, state.layer, bank, this.themeVersion, state.steps, object])) this.media.setOverlay(this.mainOverlay(state, probe, object));
    this.answer.update(state.baseline?.answer ?? null, step?.outcome ?? null, busy, answerContext(state, step));
    this.steering.update(objectChoices(state), object, state.band, transient.bandError, state.factor, state.steps.length > 0 && !busy, this.steerStatus(state, transient));
    this.experiment.update(state.experiment, state.replay, init.bank);
    this.sweepButton.toggleAttribute('disabled', busy || init.model === null);
    if (document.activeElement !== this.batchField) this.batchField.value = String(state.sweepBatch);
    this.batchHint.textContent = batchHint(this.batchField.value, LIMITS.batch.max);
    this.renderCharts(state, probe);
    this.research.render(state, busy);
  }

  private numLayers(): number | null {
    return this.state?.init.model?.numLayers ?? null;
  }

  private chartWidth(): number {
    const w = this.charts.clientWidth;
    return Math.max(260, Math.min(900, (w || 520) - 36));
  }

  private renderCharts(state: PanelState, probe: ProbeResult | null): void {
    const bank = state.init.bank;
    const width = this.chartWidth();
    const v = this.themeVersion;
    const temporal = bank?.kind === 'temporal';
    show(this.heatmapCard.element, !temporal);
    show(this.temporalCard.element, temporal || state.init.media.kind === 'video');

    if (this.memo.heatmaps.changed([probe, state.layer, bank, v, state.steps, state.selectedObject, state.init.media, state.frame]) && !temporal) this.renderHeatmaps(state, probe);
    if (this.memo.matrix.changed([probe, state.layer, bank, v, width])) {
      if (probe) this.matrixCharts = renderSimilarityMatrices(this.matrixBody, { probe, bank, numLayers: this.numLayers(), layer: state.layer, width, theme: this.theme, onLayer: (l) => this.controller.setLayer(l) });
      else {
        this.matrixCharts = [];
        note(this.matrixBody, bank ? 'Run the question to read the objects’ IDs at every layer.' : 'Needs the ID bank: Derive IDs.');
      }
    }
    if (this.memo.lattice.changed([bank, state.layer, state.latticeView, v, width])) {
      if (bank) this.latticeCharts = renderLattice(this.latticeBody, { bank, layer: state.layer, view: state.latticeView, width, theme: this.theme });
      else {
        this.latticeCharts = [];
        note(this.latticeBody, 'No ID bank for this model yet: Derive IDs to see the lattice.');
      }
      this.latticeSelect.value = state.latticeView;
    }
    if (this.memo.sweep.changed([state.sweep, state.layer, v, width])) {
      if (state.sweep) this.sweepCharts = renderSweep(this.sweepBody, { result: state.sweep, layer: state.layer, width, theme: this.theme });
      else {
        this.sweepCharts = [];
        note(this.sweepBody, 'Patch from mirror replaces the activations of each token group with those of the mirrored picture, layer by layer.');
      }
    }
    if (this.memo.temporal.changed([probe, state.layer, bank, v, state.steps, state.init.media])) this.renderTemporal(state, probe);
    const meta = (card: ChartCard, text: string) => card.setDescription(text);
    meta(this.heatmapCard, `layer ${state.layer}${state.steps.length > 0 ? ' · steered' : ''}`);
    meta(this.latticeCard, bank ? `layer ${state.layer}` : '');
    meta(this.sweepCard, state.sweep ? sweepCountText(state.sweep) : '');
    for (const card of [this.heatmapCard, this.matrixCard, this.latticeCard, this.sweepCard, this.temporalCard]) card.refresh();
  }

  private overlayFor(state: PanelState, probe: ProbeResult, object: string, interactive: boolean): OverlayOptions | null {
    const bank = state.init.bank;
    const obj = probe.objects.find((o) => o.object === object);
    if (!obj) return null;
    const rows = probeRowLayers(obj.similarity.length, this.numLayers(), bank);
    const baseline = state.baseline?.probeResult?.objects.find((o) => o.object === object);
    const step = currentStep(state);
    return {
      cells: probe.cells,
      kind: bank?.kind ?? 'spatial',
      object,
      values: similarityAt(obj, rows, state.layer),
      // a flat reading gets no argmax box: it would point at noise (logic/peakedness.ts)
      argmax: shownArgmax(similarityAt(obj, rows, state.layer), argmaxAt(obj, rows, state.layer), probe.cells),
      reference: step && baseline ? argmaxAt(baseline, rows, state.layer) : undefined,
      target: step && step.params.object === object ? step.params.targetCell : undefined,
      extent: symmetricExtent(probe.objects.flatMap((o) => o.similarity.flat())),
      scale: divergingFromTheme(this.theme),
      interactive,
    };
  }

  private mainOverlay(state: PanelState, probe: ProbeResult | null, object: string | null): OverlayOptions | null {
    if (!probe || !object || state.init.bank?.kind === 'temporal') return null;
    return this.overlayFor(state, probe, object, true);
  }

  private mediaHint(state: PanelState, object: string | null): string {
    const bank = state.init.bank;
    if (state.mediaMode === 'tokens') return "The model's tokens over the picture: hover a patch or a token below.";
    if (!bank) return 'Derive IDs to see where the model places each object.';
    if (!state.baseline || !questionIsRun(state)) return 'Run the question to read where the model places each object.';
    if (bank.kind === 'temporal') return 'Click a frame in the temporal strip to move an object in time.';
    if (state.mediaMode === 'boxes') return 'Drag on the picture to draw the box of the object picked above; Run sends it with the probe.';
    return `Click a cell to move ${object ?? 'the object'} there at layers ${formatLayerBand(state.band)}; hover for values.`;
  }

  private steerStatus(state: PanelState, transient: Transient): string {
    if (transient.busy) return `${transient.busy}…`;
    if (transient.notice) return transient.notice;
    const step = currentStep(state);
    if (!step) return state.baseline && state.init.bank ? 'Click a cell on the picture to steer.' : '';
    const cell = state.init.bank?.cells[step.params.targetCell ?? -1];
    const where = cell ? cellLabel(cell, state.init.bank?.kind ?? 'spatial') : `cell ${step.params.targetCell}`;
    const o = step.outcome;
    return `Moved ${step.params.object} to ${where} at layers ${formatLayerBand(step.params.layers ?? [])} (factor ${step.params.factor}): ${o.answerBefore} → ${o.answerAfter}${answerChangeSuffix(o)}; noise control → ${o.answerNoise}.`;
  }

  private renderHeatmaps(state: PanelState, probe: ProbeResult | null): void {
    if (!probe || probe.objects.length === 0) {
      this.heatmapFigures.clear();
      note(this.heatmapBody, state.init.bank ? 'Run the question to see a heatmap per object.' : 'Needs the ID bank for this model: Derive IDs.');
      return;
    }
    const uri = state.init.media.kind === 'video' ? state.init.media.frames?.[state.frame]?.image ?? state.init.media.displayUri : state.init.media.displayUri;
    const figures: HTMLElement[] = [];
    const next = new Map<string, HeatmapFigure>();
    for (const obj of probe.objects) {
      const figure = this.heatmapFigures.get(obj.object) ?? new HeatmapFigure((cell) => void this.controller.steerTo(cell, obj.object), (u) => this.controller.imageFailed(u), 'small-figure');
      figure.setImage(uri, obj.object);
      figure.setRegion(probe.domain?.picture?.region ?? null, state.init.model?.family ?? null);
      figure.setOverlay(this.overlayFor(state, probe, obj.object, true));
      figure.setHint(heatmapHint(obj.object, similarityAt(obj, probeRowLayers(obj.similarity.length, this.numLayers(), state.init.bank), state.layer), probe.cells, cellName(state, argmaxOf(state, obj.object, probe))));
      figure.element.setAttribute('data-object', obj.object);
      next.set(obj.object, figure);
      figures.push(figure.element);
    }
    this.heatmapFigures = next;
    setChildren(this.heatmapBody, ...figures);
  }

  private heatmapExport(): SVGSVGElement[] {
    const state = this.state;
    const probe = state && currentProbe(state);
    if (!state || !probe || probe.objects.length === 0) return [];
    const rows = probeRowLayers(probe.objects[0].similarity.length, this.numLayers(), state.init.bank);
    const panels = probe.objects.map((o) => ({ title: o.object, values: similarityAt(o, rows, state.layer) ?? [], argmax: argmaxAt(o, rows, state.layer) }));
    return [gridExportSvg(panels, probe.cells, this.theme, `Similarity to each cell's ID, layer ${state.layer}${state.steps.length > 0 ? ' (steered)' : ''}`)];
  }

  private heatmapData() {
    const state = this.state;
    const probe = state && currentProbe(state);
    if (!state || !probe) return null;
    const rows = probeRows(probe, this.numLayers(), state.init.bank, state.layer);
    return { rows, json: { layer: state.layer, steered: state.steps.length > 0, cells: probe.cells, rows } };
  }

  private renderTemporal(state: PanelState, probe: ProbeResult | null): void {
    const bank = state.init.bank;
    if (!bank || bank.kind !== 'temporal') {
      note(this.temporalBody, 'Needs the temporal ID bank for this model: Derive Temporal IDs.');
      return;
    }
    if (!probe) {
      note(this.temporalBody, 'Run the question to read when the model places each object.');
      return;
    }
    const step = currentStep(state);
    const baseline = state.baseline?.probeResult ?? null;
    const reference: Record<string, number> = {};
    if (step && baseline) {
      const rows = probeRowLayers(baseline.objects[0]?.similarity.length ?? 0, this.numLayers(), bank);
      for (const o of baseline.objects) reference[o.object] = argmaxAt(o, rows, state.layer);
    }
    renderTemporalStrip(this.temporalBody, {
      probe,
      bank,
      numLayers: this.numLayers(),
      layer: state.layer,
      frameUris: state.init.media.frames?.map((f) => f.image) ?? [],
      theme: this.theme,
      reference,
      target: step && step.params.object && step.params.targetCell !== undefined ? { object: step.params.object, cell: step.params.targetCell } : null,
      onFrameClick: (object, frame) => void this.controller.steerTo(frame, object),
      onFrameShow: (frame) => this.controller.setFrame(frame),
    });
  }

  private temporalExport(): SVGSVGElement[] {
    const state = this.state;
    const probe = state && currentProbe(state);
    const bank = state?.init.bank;
    if (!state || !probe || !bank || bank.kind !== 'temporal') return [];
    const rows = probeRowLayers(probe.objects[0]?.similarity.length ?? 0, this.numLayers(), bank);
    const panels = temporalPanels(probe, rows, state.layer);
    return panels.map((p) => gridExportSvg([p], bank.cells, this.theme, `${p.title}: similarity to each frame's temporal ID, layer ${state.layer}`));
  }
}

import type {
  ForwardParams,
  NormalisedBox,
  SweepPatchesParams,
  SweepPatchesResult,
  ProbeParams,
  ProbeResult,
  QuestionRelation,
  SteerOutcome,
  SteerParams,
} from '../../../protocol/requests';
import type { InitBody } from '../../../protocol/webview';
import { type HostBridge, type HostEvent, RequestFailed, type VsCodeApi } from '../hostBridge';
import { clampBand, parseLayerBand } from '../logic/layers';
import { type QuestionFields, askedQuestion, closedObjectWords, templatesOf } from '../logic/questions';
import { type AnswerSummary, type ExperimentAction, failableKindOf, recordAction, uiActionsOf } from '../state/experimentLog';
import {
  type MediaMode,
  type ShownError,
  type PanelState,
  boxesFor,
  initialPanelState,
  isSavedState,
  maxLayerOf,
  mediaRef,
  questionIsRun,
  restorePanelState,
  selectedObject,
} from '../state/panelState';
import type { ExportFile } from '../views/chartExport';
import { cancelledNote, wasCancelled } from '../views/progressView';
import { modelSwitched, onNewModel, switchNotice } from './modelSwitch';
import { performPaletteAction } from './paletteAction';
import { probeOrNote, unreadObjectsNote } from './questionRun';
import { type PanelRenderer, type Requester, type Transient, shownError } from './controllerTypes';

export type { PanelRenderer, Requester, Transient };
export { shownError };

/**
 * The panel's actions: each asks the server through the host, updates the state (kept with
 * setState), records itself in the experiment and redraws. Requests never overlap: a second
 * action while one runs is refused with a note.
 */
/** The objects and answer words a run named (the probe's objects, the forward's answers), to pass on to steering and sweeps. */
function namedOf(baseline: PanelState['baseline']): { objects?: string[]; answers?: string[] } {
  const objects = baseline?.probe?.objects;
  const answers = baseline?.forward.answers;
  return { ...(objects?.length ? { objects } : {}), ...(answers && answers.length >= 2 ? { answers } : {}) };
}

export class Controller {
  state: PanelState | null = null;
  /** An error before init (no state to hold it yet). */
  pendingError: ShownError | null = null;
  private transient: Transient = { busy: null, notice: null, bandError: null };
  private lastFailed: (() => Promise<unknown>) | null = null;
  private renderer: PanelRenderer | null = null;
  private requester: Requester;
  /** Set by main.ts: replays an experiment that came with init. */
  onExperiment: ((experiment: unknown) => void) | null = null;

  constructor(
    private readonly bridge: HostBridge,
    private readonly api: VsCodeApi,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.requester = bridge;
  }

  /** Runs `work` with results served by `requester` instead of the host (replaying a re-run file). */
  async withRequester<T>(requester: Requester, work: () => Promise<T>): Promise<T> {
    const previous = this.requester;
    this.requester = requester;
    try {
      return await work();
    } finally {
      this.requester = previous;
    }
  }

  /** A server request through the current requester (the host, or a replayed file), for actions kept in their own modules (researchPlots.ts). */
  readonly request: Requester['request'] = (method, params) => this.requester.request(method, params);

  attach(renderer: PanelRenderer): void {
    this.renderer = renderer;
    const saved = this.api.getState();
    if (isSavedState(saved)) this.state = saved;
    this.render();
  }

  // ---- host events ----------------------------------------------------------------------------

  handleHostEvent(event: HostEvent): void {
    switch (event.type) {
      case 'init':
        this.init(event.body);
        return;
      case 'paletteAction':
        void performPaletteAction(this, event.body);
        return;
      case 'bank':
        if (!this.state) return;
        this.commit({ ...this.state, init: { ...this.state.init, bank: event.body } });
        this.note('The ID bank is ready: Run again to read where the objects are.');
        return;
      case 'error':
        this.lastFailed = null;
        this.setError({ action: 'Inspect', message: event.body.message, code: event.body.code || null, retryable: event.body.retryable });
        return;
      case 'progress':
        if (this.transient.busy) this.transient.progress = event.body;
        this.render();
        return;
      case 'serverState':
        if (event.body.state === 'restarting' || event.body.state === 'stopped') {
          this.bridge.failAll(event.body.message ?? `The inference server is ${event.body.state}.`, true);
        }
        if (this.state) this.commit({ ...this.state, serverState: event.body });
        return;
      case 'invalid':
        // A malformed init can be asked for again (Retry posts `retry`; the host answers with init).
        this.lastFailed = null;
        this.setError({ action: 'Message from the extension', message: event.error, code: null, retryable: event.error.startsWith('init') });
        return;
    }
  }

  private init(body: InitBody): void {
    const saved = this.state ?? this.api.getState();
    const restored = restorePanelState(saved, body);
    // Select Model...: the old model's results go and the question is asked again (modelSwitch.ts)
    const switched = restored !== null && modelSwitched(saved, body);
    const state = switched ? onNewModel(restored, body, this.now()) : restored ?? initialPanelState(body, this.now());
    this.transient = { busy: null, notice: null, bandError: null };
    this.commit(state);
    if (switched) void this.reaskAfterSwitch(body, restored.baseline !== null);
    if (body.experiment !== undefined && !(restored && restored.replayedExperiment)) {
      this.commit({ ...state, replayedExperiment: true });
      this.onExperiment?.(body.experiment);
    }
  }

  /** After a model switch: the question on screen is asked again; a failed re-run shows its own error. */
  private async reaskAfterSwitch(body: InitBody, hadRun: boolean): Promise<void> {
    if (hadRun && (await this.run()) === null) return;
    this.note(switchNotice(body, hadRun));
  }

  // ---- simple settings ------------------------------------------------------------------------

  setQuestion(fields: QuestionFields): void {
    if (!this.state) return;
    const { question, templateIndex, objectA, objectB, answerText } = fields;
    this.commit({ ...this.state, question, templateIndex, objectA, objectB, answerText });
  }

  setLayer(layer: number): void {
    const s = this.state;
    if (!s) return;
    const clamped = Math.max(0, Math.min(maxLayerOf(s.init), Math.round(layer)));
    if (clamped === s.layer) return;
    this.commit(this.record({ ...s, layer: clamped }, { kind: 'layer', layer: clamped }));
  }

  selectObject(object: string): void {
    const s = this.state;
    if (!s || s.selectedObject === object) return;
    this.commit(this.record({ ...s, selectedObject: object }, { kind: 'selectObject', object }));
  }

  setBand(text: string): void {
    const s = this.state;
    if (!s) return;
    const parsed = parseLayerBand(text, maxLayerOf(s.init));
    this.transient.bandError = parsed.ok ? null : parsed.error;
    if (parsed.ok) this.commit({ ...s, band: parsed.layers });
    else this.render();
  }

  setFactor(factor: number | null): void {
    if (this.state) this.commit({ ...this.state, factor });
  }

  setFrame(frame: number): void {
    if (this.state) this.commit({ ...this.state, frame });
  }

  setSweepBatch(batch: number): void {
    if (this.state) this.commit({ ...this.state, sweepBatch: Math.max(0, Math.round(batch) || 0) });
  }

  setLatticeView(view: 'pca' | 'plane'): void {
    if (this.state) this.commit({ ...this.state, latticeView: view });
  }

  setMediaMode(mode: MediaMode): void {
    if (this.state && this.state.mediaMode !== mode) this.commit({ ...this.state, mediaMode: mode });
  }

  /** The object the next box drawn on the picture is for. */
  setBoxObject(object: string): void {
    if (this.state && this.state.boxObject !== object) this.commit({ ...this.state, boxObject: object });
  }

  /** A box drawn for an object (normalised to the picture); the next Run sends it with the probe. */
  setBox(object: string, box: NormalisedBox): void {
    const s = this.state;
    if (!s) return;
    this.commit({ ...s, boxObject: object, boxes: { ...s.boxes, [object]: box } });
    this.note(`Box of ${object} drawn: Run to read its deviation per layer.`);
  }

  clearBox(object: string): void {
    const s = this.state;
    if (!s || !s.boxes[object]) return;
    const { [object]: _dropped, ...boxes } = s.boxes;
    this.commit({ ...s, boxes });
  }

  // ---- actions that ask the server ------------------------------------------------------------

  /**
   * Run: the answer (forward) and, with a bank, where each named object is believed to be (probe).
   * The requests name their answer words and objects: the template's, or those the user typed.
   */
  run(): Promise<AnswerSummary | null> {
    const s = this.state;
    if (!s) return Promise.resolve(null);
    const asking = askedQuestion(s, templatesOf(s.init), closedObjectWords(s.init));
    if (!asking.ok) {
      this.note(asking.problem);
      return Promise.resolve(null);
    }
    const { question, objects, answers, relation } = asking.asked;
    const media = mediaRef(s.init.media);
    // answers [] (a question of the user's own without answer words): the generated answer alone
    const forward: ForwardParams = { media, question, answers };
    // drawn boxes of the objects read travel with the probe: it gives their deviation per layer
    const boxes = boxesFor(s, objects);
    const probe: ProbeParams | null = s.init.bank?.bank && objects.length ? { bank: s.init.bank.bank, media, question, objects, ...(boxes ? { boxes } : {}) } : null;
    const note = unreadObjectsNote(asking.asked, closedObjectWords(s.init) !== null, !!s.init.bank?.bank);
    return this.guarded('Run', () => this.runWith(forward, probe, relation, note));
  }

  async runWith(forward: ForwardParams, probe: ProbeParams | null, relation: QuestionRelation | null = null, objectNote: string | null = null): Promise<AnswerSummary> {
    // a new question: the previous answer and heatmaps go now, whatever this run gives
    const s0 = this.requireState();
    if (s0.baseline || s0.steps.length) this.commit({ ...s0, baseline: null, steps: [] });
    // the answer stays when the objects cannot be read: that problem is a note beside it (questionRun.ts)
    const [f, read] = await Promise.all([this.requester.request('spatialIds/forward', forward), probeOrNote(this.requester, probe)]);
    const p = read.result;
    const note = read.note ?? objectNote;
    const answer: AnswerSummary = { answer: f.answer, logprobs: f.logprobs };
    const s = this.requireState();
    const next: PanelState = { ...s, question: forward.question, baseline: { forward, probe, answer, probeResult: p, relation, tokens: f.tokens, ...(note ? { objectNote: note } : {}) }, steps: [] };
    this.commit(this.record(next, { kind: 'run', forward, ...(probe ? { probe } : {}), result: answer }));
    return answer;
  }

  /** One-click steering: move the selected object (or `object`) to `cell` at the chosen layer band. */
  steerTo(cell: number, object?: string): Promise<SteerOutcome | null> {
    const s = this.state;
    if (!s) return Promise.resolve(null);
    const bank = s.init.bank;
    if (!bank?.bank) {
      this.note('Steering needs the ID bank for this model: Derive IDs first.');
      return Promise.resolve(null);
    }
    if (!s.baseline || !questionIsRun(s)) {
      this.note(s.baseline ? 'The question was changed after its run: Run it, then steer its objects.' : 'Run the question first: steering changes its answer.');
      return Promise.resolve(null);
    }
    if (this.transient.bandError) {
      this.note(this.transient.bandError);
      return Promise.resolve(null);
    }
    const target = object ?? selectedObject(s);
    if (!target) {
      this.note('Pick the object to move.');
      return Promise.resolve(null);
    }
    const params: SteerParams = {
      bank: bank.bank,
      media: mediaRef(s.init.media),
      question: s.baseline.forward.question,
      object: target,
      targetCell: cell,
      layers: clampBand(s.band, maxLayerOf(s.init)),
      ...(s.factor !== null ? { factor: s.factor } : {}),
      // the run's own objects and answer words (named freely on an open-vocabulary model), not parsed from its text
      ...namedOf(s.baseline),
    };
    if (object && object !== s.selectedObject) this.commit({ ...s, selectedObject: object });
    return this.guarded('Steer', () => this.steerWith(params));
  }

  async steerWith(params: SteerParams): Promise<SteerOutcome> {
    const result = await this.requester.request('spatialIds/steer', params);
    const outcome = result.single;
    if (!outcome) throw new RequestFailed('The server returned no single-input steering outcome.', 0, false);
    // the server returns the additions it applied in single-input mode, so the probe can re-run under them
    const interventions = outcome.interventions?.length ? outcome.interventions : null;
    let probeResult: ProbeResult | null = null;
    const s0 = this.requireState();
    if (interventions && s0.init.bank?.bank && params.media && params.question) {
      // the run's objects (freely named ones are not found by default) and boxes, read under the steering
      const run = s0.baseline?.probe;
      const same = run?.question === params.question;
      const named = same && run?.objects ? { objects: run.objects, ...(run.boxes ? { boxes: run.boxes } : {}) } : {};
      probeResult = await this.requester.request('spatialIds/probe', { bank: s0.init.bank.bank, media: params.media, question: params.question, ...named, interventions });
    }
    const s = this.requireState();
    // the step shows the factor the server used (the bank's calibrated one when none was sent); the record keeps what was sent
    const used = params.factor === undefined && result.factor !== undefined ? { ...params, factor: result.factor } : params;
    const next: PanelState = { ...s, selectedObject: params.object ?? s.selectedObject, steps: [...s.steps, { params: used, outcome, probeResult }] };
    this.transient.notice = interventions ? null : 'The server did not return the applied interventions, so the heatmaps show the run before steering.';
    this.commit(this.record(next, { kind: 'steer', params, outcome }));
    return outcome;
  }

  /** Undo (the button): refused while a request runs, since its answer would land on the wrong state. */
  undo(): void {
    if (this.transient.busy) {
      this.note(`Wait for ${this.transient.busy} to finish.`);
      return;
    }
    this.undoStep();
  }

  /** Takes back the last intervention: the view returns to the state before it. */
  undoStep(): void {
    const s = this.state;
    if (!s || s.steps.length === 0) return;
    this.commit(this.record({ ...s, steps: s.steps.slice(0, -1) }, { kind: 'undo' }));
  }

  /** `Patch from mirror`: the sweep for this image, or with a batch size for held-out scenes asking the same relation. */
  sweepPatches(): Promise<SweepPatchesResult | null> {
    const s = this.state;
    if (!s) return Promise.resolve(null);
    const question = (s.baseline?.forward.question ?? s.question).trim();
    // the relation of the question run (its template's), else of the template now chosen
    const relation = s.baseline?.relation ?? templatesOf(s.init)[s.templateIndex]?.relation ?? null;
    if (s.sweepBatch > 0 && !relation) {
      this.note('A batch sweep asks held-out scenes the relation of a template: run a left/right, above/below or before/after question first.');
      return Promise.resolve(null);
    }
    const named = namedOf(s.baseline);
    const pairs = named.objects?.length === 2 && named.answers?.length === 2 ? named : {};
    const params: SweepPatchesParams = s.sweepBatch > 0 ? { batch: s.sweepBatch, ...(relation ? { relation } : {}) } : { media: mediaRef(s.init.media), question, ...pairs };
    return this.guarded('Patch sweep', () => this.sweepPatchesWith(params));
  }

  async sweepPatchesWith(params: SweepPatchesParams): Promise<SweepPatchesResult> {
    const result = await this.requester.request('spatialIds/sweepPatches', params);
    this.commit(this.record({ ...this.requireState(), sweep: result }, { kind: 'sweepPatches', params, result }));
    return result;
  }

  // ---- panel actions --------------------------------------------------------------------------

  save(): void {
    if (!this.state) return;
    // the host writes the requests it forwarded as the steps; the panel adds its own actions as the file's `ui`
    this.bridge.post({ type: 'saveExperiment', body: { experiment: { actions: uiActionsOf(this.state.experiment) } } });
    // the host counts what the file holds (its requests and these actions) once it is written
    this.note('Choose where to save the experiment: the saved file says how many requests and actions it holds.');
  }

  /** Cancel (beside the progress): the host cancels the running request; guarded() reports it as cancelled. */
  cancel(): void {
    if (!this.transient.busy || this.transient.cancelling) return;
    this.transient.cancelling = true;
    this.bridge.post({ type: 'cancel' });
    this.render();
  }

  deriveIds(): void {
    this.bridge.post({ type: 'deriveIds' });
    this.note('Deriving the ID bank in the background (see the progress notification).');
  }

  exportFile(file: ExportFile): void {
    this.bridge.post({ type: 'exportFile', body: file });
  }

  retry(): void {
    const again = this.lastFailed;
    this.clearError();
    if (again) void again();
    else this.bridge.post({ type: 'retry' });
  }

  clearError(): void {
    if (this.state?.error) this.commit({ ...this.state, error: null });
    else this.render();
  }

  reportError(action: string, error: unknown): void {
    this.setError(shownError(action, error));
  }

  imageFailed(uri: string): void {
    this.lastFailed = null;
    this.setError({
      action: 'Show the picture',
      message: `The panel could not display ${uri}: the file may be corrupt or in a format the panel cannot show.`,
      code: null,
      retryable: true,
    });
  }

  setReplay(report: PanelState['replay']): void {
    if (this.state) this.commit({ ...this.state, replay: report });
  }

  // ---- plumbing -------------------------------------------------------------------------------

  /** Runs one server action at a time; failures go to the error banner with Retry when they can pass. */
  async guarded<T>(action: string, work: () => Promise<T>): Promise<T | null> {
    if (this.transient.busy) {
      this.note(`Wait for ${this.transient.busy} to finish.`);
      return null;
    }
    this.transient = { ...this.transient, busy: action, notice: null, progress: null, cancelling: false, cancelled: null };
    if (this.state?.error) this.state = { ...this.state, error: null };
    this.render();
    try {
      const result = await work();
      this.lastFailed = null;
      return result;
    } catch (error) {
      if (wasCancelled(error)) {
        // cancelled by the user: a calm note, no error banner, nothing to retry
        this.lastFailed = null;
        this.transient.cancelled = cancelledNote(action);
        return null;
      }
      this.lastFailed = () => this.guarded(action, work);
      const shown = shownError(action, error);
      this.recordFailure(action, shown);
      this.setError(shown);
      return null;
    } finally {
      this.transient = { ...this.transient, busy: null, progress: null, cancelling: false };
      this.render();
    }
  }

  /** A failed run, steer or sweep goes in the log too: its requests are in the saved file with their errors. */
  recordFailure(label: string, error: { code: number | null; message: string }): void {
    const kind = failableKindOf(label);
    if (this.state && kind) this.state = this.record(this.state, { kind: 'failed', action: kind, error: { code: error.code, message: error.message } });
  }

  private requireState(): PanelState {
    if (!this.state) throw new RequestFailed('The panel has not been initialised.', 0, false);
    return this.state;
  }

  private record(state: PanelState, action: ExperimentAction): PanelState {
    return { ...state, experiment: recordAction(state.experiment, action) };
  }

  private setError(error: ShownError): void {
    if (this.state) this.commit({ ...this.state, error });
    else {
      this.pendingError = error;
      this.render();
    }
  }

  private note(text: string): void {
    this.transient.notice = text;
    this.render();
  }

  private commit(state: PanelState): void {
    this.state = state;
    this.pendingError = null;
    this.api.setState(state);
    this.render();
  }

  private render(): void {
    this.renderer?.render(this.state, { ...this.transient });
  }
}

import type {
  ForwardParams,
  MediaRef,
  NormalisedBox,
  QuestionRelation,
  SweepPatchesResult,
  ProbeParams,
  ProbeResult,
  SteerOutcome,
  SteerParams,
  TokenInfo,
} from '../../../protocol/requests';
import type { InitBody, InspectedMedia, ServerStateChange } from '../../../protocol/webview';
import { bankBestLayer, bankDefaultBand, clampBand } from '../logic/layers';
import { askedQuestion, closedObjectWords, firstQuestion, questionFrom, templatesOf } from '../logic/questions';
import { type AnswerSummary, type Experiment, createExperiment } from './experimentLog';

/** Everything the panel shows, as plain JSON: kept with setState so a hidden panel restores. */

export interface Baseline {
  forward: ForwardParams;
  probe: ProbeParams | null;
  answer: AnswerSummary;
  probeResult: ProbeResult | null;
  /** The relation the question asked (its template's), which held-out batch sweeps ask too; null or absent: none. */
  relation?: QuestionRelation | null;
  /** The forward result's prompt tokens, with each media token's place: the token grid over the picture. */
  tokens?: TokenInfo[];
  /** Why no object of the question was read (shown with the answer, which stays); absent: none, or every object was read. */
  objectNote?: string;
}

/** What is drawn over the picture: the selected object's heatmap, the model's token grid, or boxes being drawn. */
export type MediaMode = 'heatmap' | 'tokens' | 'boxes';
const MEDIA_MODES: readonly MediaMode[] = ['heatmap', 'tokens', 'boxes'];

export interface SteerStep {
  params: SteerParams;
  outcome: SteerOutcome;
  /** The probe under the applied interventions, when the server returned them. */
  probeResult: ProbeResult | null;
}

/** A failure as the panel shows it: which action failed, and the host's PanelError (protocol/errors.ts) or the panel's own failure (code null). */
export interface ShownError {
  /** What failed, e.g. "Run" or "Steer". */
  action: string;
  message: string;
  code: number | null;
  retryable: boolean;
}


export interface ReplayReport {
  actions: number;
  /** Each differing step with the action that made it: `action 3 (steer), step 5 (steer): ...`. */
  differences: string[];
  /** Actions that could not be replayed (the walk goes on past them). */
  error?: string;
  /** The file's steps (requests), and how many failed when recorded and fail the same way now. */
  steps?: number;
  reproduced?: number;
}

export interface PanelState {
  version: 1;
  init: InitBody;
  question: string;
  /** The template the question is, or -1: a question of the user's own. */
  templateIndex: number;
  /** Object names: chosen from a closed vocabulary, else typed freely ("traffic light"). */
  objectA: string;
  objectB: string;
  /** Answer words typed for a question of the user's own ("yes, no"); empty: the generated answer is shown. */
  answerText: string;
  layer: number;
  selectedObject: string | null;
  band: number[];
  /** null: the ID bank's calibrated factor. */
  factor: number | null;
  frame: number;
  sweepBatch: number;
  latticeView: 'pca' | 'plane';
  mediaMode: MediaMode;
  /** Ground-truth boxes drawn on the picture, by object name, normalised (0..1 of its width and height). */
  boxes: Record<string, NormalisedBox>;
  /** The object the next drawn box is for (one of the question's). */
  boxObject: string | null;
  baseline: Baseline | null;
  steps: SteerStep[];
  sweep: SweepPatchesResult | null;
  error: ShownError | null;
  serverState: ServerStateChange | null;
  experiment: Experiment;
  replay: ReplayReport | null;
  /** Set once the experiment that came with init was replayed, so a restored panel does not replay it again. */
  replayedExperiment: boolean;
}

export const STATE_VERSION = 1;

/** The last residual layer: the model's L, else the bank's last layer, else 0. */
export function maxLayerOf(init: InitBody): number {
  if (init.model) return init.model.numLayers;
  if (init.bank && init.bank.layers.length > 0) return Math.max(...init.bank.layers.map((v) => v.layer));
  return 0;
}

export function initialPanelState(init: InitBody, now: Date): PanelState {
  // a scene-engine picture is asked about two of its own objects; any other picture starts blank, for the user to name them
  const templates = templatesOf(init);
  const { templateIndex, objectA, objectB } = firstQuestion(templates, closedObjectWords(init), init.sceneObjects);
  const template = templates[templateIndex];
  const maxLayer = maxLayerOf(init);
  // per kind: the bank's own calibrated band and best layer (a clip's temporal bank: layer 4 on the bundled model)
  const band = clampBand(bankDefaultBand(init.bank) ?? init.settings.defaultLayers, maxLayer);
  return {
    version: STATE_VERSION,
    init,
    question: template ? questionFrom(template, objectA, objectB) : '',
    templateIndex,
    objectA,
    objectB,
    answerText: '',
    layer: init.bank ? clampLayer(bankBestLayer(init.bank).layer, maxLayer) : band[0],
    selectedObject: null,
    band,
    factor: init.settings.steeringFactor,
    frame: 0,
    sweepBatch: 0,
    latticeView: 'pca',
    mediaMode: 'heatmap',
    boxes: {},
    boxObject: null,
    baseline: null,
    steps: [],
    sweep: null,
    error: null,
    serverState: null,
    experiment: createExperiment(init, now),
    replay: null,
    replayedExperiment: false,
  };
}

function clampLayer(layer: number, maxLayer: number): number {
  return Math.max(0, Math.min(maxLayer, Math.round(layer)));
}

/**
 * The saved state when it belongs to the same media (a panel that was hidden and shown again),
 * with the fresh init (model, bank and settings may have changed); else null.
 */
export function restorePanelState(saved: unknown, init: InitBody): PanelState | null {
  if (!isSavedState(saved)) return null;
  if (saved.init.media.path !== init.media.path || saved.init.media.kind !== init.media.kind) return null;
  const maxLayer = maxLayerOf(init);
  const sameBank = (saved.init.bank?.bank ?? null) === (init.bank?.bank ?? null);
  return {
    ...saved,
    init,
    // saved before the question box kept answer words, or for a model with fewer templates
    answerText: typeof saved.answerText === 'string' ? saved.answerText : '',
    templateIndex: saved.templateIndex < templatesOf(init).length ? saved.templateIndex : -1,
    // saved before the picture had modes and boxes
    mediaMode: MEDIA_MODES.includes(saved.mediaMode) ? saved.mediaMode : 'heatmap',
    boxes: typeof saved.boxes === 'object' && saved.boxes !== null ? saved.boxes : {},
    boxObject: typeof saved.boxObject === 'string' ? saved.boxObject : null,
    layer: clampLayer(saved.layer, maxLayer),
    band: clampBand(saved.band, maxLayer),
    // Probes read with another bank would be mislabelled: keep answers, drop the steering history.
    steps: sameBank ? saved.steps : [],
    baseline: saved.baseline && !sameBank ? { ...saved.baseline, probe: null, probeResult: null } : saved.baseline,
    error: null,
  };
}

export function isSavedState(value: unknown): value is PanelState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<PanelState>;
  return (
    v.version === STATE_VERSION &&
    typeof v.init === 'object' &&
    v.init !== null &&
    typeof v.init.media?.path === 'string' &&
    typeof v.question === 'string' &&
    Array.isArray(v.steps) &&
    typeof v.experiment === 'object'
  );
}

export function mediaRef(media: InspectedMedia): MediaRef {
  return media.kind === 'video' ? { video: media.path } : { image: media.path };
}

/** The probe now on screen: under the last steering step when there is one. */
export function currentProbe(state: PanelState): ProbeResult | null {
  const step = state.steps[state.steps.length - 1];
  if (step) return step.probeResult;
  return state.baseline?.probeResult ?? null;
}

export function currentStep(state: PanelState): SteerStep | null {
  return state.steps[state.steps.length - 1] ?? null;
}

/** Whether the question box still holds the question of the run on screen (a typed question is not run yet). */
export function questionIsRun(state: PanelState): boolean {
  return !!state.baseline && state.baseline.forward.question.trim() === state.question.trim();
}

/** Objects the panel can select: those the run's probe read while its question is in the box, else the objects the box's question names. */
export function objectChoices(state: PanelState): string[] {
  const probe = state.baseline?.probeResult;
  if (probe && probe.objects.length > 0 && questionIsRun(state)) return probe.objects.map((o) => o.object);
  return boxObjects(state);
}

export function selectedObject(state: PanelState): string | null {
  const choices = objectChoices(state);
  return state.selectedObject && choices.includes(state.selectedObject) ? state.selectedObject : choices[0] ?? null;
}

/** Boxes can be drawn on a picture (not a clip), and give a deviation for a spatial bank only. */
export function canDrawBoxes(state: PanelState): boolean {
  return state.init.media.kind === 'image' && state.init.bank?.kind !== 'temporal';
}

/** The drawn boxes of the objects a probe reads (the server refuses boxes of other objects); null: none to send. */
export function boxesFor(state: PanelState, objects: readonly string[]): Record<string, NormalisedBox> | null {
  if (!canDrawBoxes(state)) return null;
  const entries = Object.entries(state.boxes).filter(([o]) => objects.includes(o));
  return entries.length ? Object.fromEntries(entries) : null;
}

/** The objects a box can be drawn for: those the question asks about (the probe reads those), else the names typed so far. */
export function boxObjects(state: PanelState): string[] {
  const asking = askedQuestion(state, templatesOf(state.init), closedObjectWords(state.init));
  if (asking.ok) return asking.asked.objects;
  return [...new Set([state.objectA, state.objectB].map((o) => o.trim()).filter(Boolean))];
}

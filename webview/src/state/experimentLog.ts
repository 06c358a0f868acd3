import type {
  ForwardParams,
  PatchSweepParams,
  PatchSweepResult,
  ProbeParams,
  SteerOutcome,
  SteerParams,
} from '../../../protocol/requests';
import type { InitBody } from '../../../protocol/webview';

/**
 * The panel's experiment log: every action as data (nnsight/pyvene style), view changes and
 * undos included, with what it returned. Save sends it to the host, which stores it as the
 * `panel` of the experiment file beside the server requests it recorded (ExperimentFile); a
 * re-opened file is replayed from it.
 */

export const EXPERIMENT_FORMAT = 'spatial-id-lens/panel-log';
export const EXPERIMENT_VERSION = 1;

export interface AnswerSummary {
  answer: string;
  logprobs: Record<string, number>;
}

export type ExperimentAction =
  | { kind: 'run'; forward: ForwardParams; probe?: ProbeParams; result: AnswerSummary }
  | { kind: 'steer'; params: SteerParams; outcome: SteerOutcome }
  | { kind: 'undo' }
  | { kind: 'patchSweep'; params: PatchSweepParams; result: PatchSweepResult }
  | { kind: 'layer'; layer: number }
  | { kind: 'selectObject'; object: string };

export type ExperimentActionKind = ExperimentAction['kind'];

export interface Experiment {
  format: typeof EXPERIMENT_FORMAT;
  version: typeof EXPERIMENT_VERSION;
  createdAt: string;
  media: { kind: 'image' | 'video'; path: string };
  model: { dir: string; decoderHash: string } | null;
  bank: string | null;
  settings: { steeringFactor: number; defaultLayers: number[] };
  actions: ExperimentAction[];
}

export function createExperiment(init: InitBody, now: Date): Experiment {
  return {
    format: EXPERIMENT_FORMAT,
    version: EXPERIMENT_VERSION,
    createdAt: now.toISOString(),
    media: { kind: init.media.kind, path: init.media.path },
    model: init.model ? { dir: init.model.dir, decoderHash: init.model.decoderHash } : null,
    bank: init.bank?.bank ?? null,
    settings: { steeringFactor: init.settings.steeringFactor, defaultLayers: [...init.settings.defaultLayers] },
    actions: [],
  };
}

/** Appends an action; view changes (layer, selected object) that follow the same kind replace it. */
export function recordAction(experiment: Experiment, action: ExperimentAction): Experiment {
  const last = experiment.actions[experiment.actions.length - 1];
  const coalesce = (action.kind === 'layer' || action.kind === 'selectObject') && last?.kind === action.kind;
  const actions = coalesce ? [...experiment.actions.slice(0, -1), action] : [...experiment.actions, action];
  return { ...experiment, actions };
}

export type ParsedExperiment = { ok: true; experiment: Experiment } | { ok: false; error: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a saved panel log (from a file: untrusted) closely enough to replay it. */
export function parseExperiment(value: unknown): ParsedExperiment {
  if (!isObject(value)) return { ok: false, error: 'The panel log is not a JSON object.' };
  if (value.format !== EXPERIMENT_FORMAT) return { ok: false, error: `Not a Spatial ID Lens panel log (format "${String(value.format)}").` };
  if (value.version !== EXPERIMENT_VERSION) return { ok: false, error: `Panel log version ${String(value.version)} is not supported (expected ${EXPERIMENT_VERSION}).` };
  if (!Array.isArray(value.actions)) return { ok: false, error: 'The panel log has no action list.' };
  for (const [i, a] of value.actions.entries()) {
    const problem = actionProblem(a);
    if (problem) return { ok: false, error: `Action ${i + 1}: ${problem}` };
  }
  return { ok: true, experiment: value as unknown as Experiment };
}

function actionProblem(a: unknown): string | null {
  if (!isObject(a)) return 'not an object';
  switch (a.kind) {
    case 'run':
      return isObject(a.forward) && typeof a.forward.question === 'string' && isObject(a.result) ? null : 'a run needs forward params and a result';
    case 'steer':
      return isObject(a.params) && Array.isArray(a.params.layers) && isObject(a.outcome) ? null : 'a steer needs params with layers and an outcome';
    case 'patchSweep':
      return isObject(a.params) && isObject(a.result) ? null : 'a patch sweep needs params and a result';
    case 'layer':
      return Number.isInteger(a.layer) ? null : 'a layer change needs a whole layer number';
    case 'selectObject':
      return typeof a.object === 'string' ? null : 'an object selection needs the object word';
    case 'undo':
      return null;
    default:
      return `unknown action "${String(a.kind)}"`;
  }
}

/** Differences between a recorded answer and a re-run, log-probabilities within `tolerance`. */
export function answerDifferences(recorded: AnswerSummary, actual: AnswerSummary, tolerance: number): string[] {
  const out: string[] = [];
  if (recorded.answer !== actual.answer) out.push(`answer "${recorded.answer}" became "${actual.answer}"`);
  for (const [word, v] of Object.entries(recorded.logprobs)) {
    const w = actual.logprobs[word];
    if (typeof w !== 'number') out.push(`log P(${word}) is missing`);
    else if (Math.abs(w - v) > tolerance) out.push(`log P(${word}) ${v.toFixed(4)} became ${w.toFixed(4)}`);
  }
  return out;
}

/** A one-line description of an action, for the experiment list. */
export function describeAction(a: ExperimentAction): string {
  switch (a.kind) {
    case 'run':
      return `Run "${a.forward.question}" → ${a.result.answer}`;
    case 'steer':
      return `Steer ${a.params.object ?? 'object'} to cell ${a.params.targetCell ?? '?'} at layers ${(a.params.layers ?? []).join(',')} → ${a.outcome.answerAfter}${a.outcome.flipped ? ' (flipped)' : ''}`;
    case 'undo':
      return 'Undo';
    case 'patchSweep':
      return `Patch from mirror${a.params.batch ? ` (batch of ${a.params.batch})` : ''}: ${a.result.layers.length} layers, n=${a.result.n}`;
    case 'layer':
      return `Layer ${a.layer}`;
    case 'selectObject':
      return `Select ${a.object}`;
  }
}

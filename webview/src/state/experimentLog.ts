import type {
  ForwardParams,
  IdBankSummary,
  SweepPatchesParams,
  SweepPatchesResult,
  ProbeParams,
  SteerOutcome,
  SteerParams,
} from '../../../protocol/requests';
import type { UiAction } from '../../../protocol/experimentSteps';
import type { InitBody } from '../../../protocol/webview';
import { answerChangeSuffix } from '../logic/answerChange';
import { cellLabel } from '../logic/grid';

/**
 * The panel's experiment log: every action as data (nnsight/pyvene style), view changes and
 * undos included, with what it returned, shown in the Experiment card and kept with setState.
 * Save experiment sends only the actions' kinds and view choices (`uiActionsOf`): the host
 * writes them as the file's `ui` beside the requests it recorded as steps (protocol/experiment.ts),
 * so nothing is stored twice.
 */

export interface AnswerSummary {
  answer: string;
  logprobs: Record<string, number>;
}

export type ExperimentAction =
  | { kind: 'run'; forward: ForwardParams; probe?: ProbeParams; result: AnswerSummary }
  | { kind: 'steer'; params: SteerParams; outcome: SteerOutcome }
  | { kind: 'undo' }
  | { kind: 'sweepPatches'; params: SweepPatchesParams; result: SweepPatchesResult }
  | { kind: 'layer'; layer: number }
  | { kind: 'selectObject'; object: string }
  /** A run, steer or sweep that failed: its requests are in the file with their errors, so a replay checks they fail the same way. */
  | { kind: 'failed'; action: FailableKind; error: { code: number | null; message: string } };

/** The actions that ask the server, and so can fail. */
export type FailableKind = 'run' | 'steer' | 'sweepPatches';

/** The failable action a controller label names ("Run", "Steer", "Patch sweep"), or null. */
export function failableKindOf(label: string): FailableKind | null {
  return label === 'Run' ? 'run' : label === 'Steer' ? 'steer' : label === 'Patch sweep' ? 'sweepPatches' : null;
}

export type ExperimentActionKind = ExperimentAction['kind'];

export interface Experiment {
  createdAt: string;
  media: { kind: 'image' | 'video'; path: string };
  model: { dir: string; decoderHash: string } | null;
  bank: string | null;
  settings: { steeringFactor: number | null; defaultLayers: number[] };
  actions: ExperimentAction[];
}

export function createExperiment(init: InitBody, now: Date): Experiment {
  return {
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

/** The log as the file's UI actions: which steps each click made, and the view choices. */
export function uiActionsOf(experiment: Experiment): UiAction[] {
  // a failed click is the same click in the file: the replay sees it fail again (or not) from its steps
  return experiment.actions.map((a): UiAction => (a.kind === 'layer' ? { kind: 'layer', layer: a.layer } : a.kind === 'selectObject' ? { kind: 'selectObject', object: a.object } : a.kind === 'failed' ? { kind: a.action } : { kind: a.kind }));
}

/** A one-line description of an action, for the experiment list; cells named in the panel's one convention when the bank is known. */
export function describeAction(a: ExperimentAction, bank?: Pick<IdBankSummary, 'cells' | 'kind'> | null): string {
  switch (a.kind) {
    case 'run':
      return `Run "${a.forward.question}" → ${a.result.answer}`;
    case 'steer': {
      const cell = bank?.cells[a.params.targetCell ?? -1];
      const where = cell && bank ? cellLabel(cell, bank.kind) : `cell ${a.params.targetCell ?? '?'}`;
      return `Steer ${a.params.object ?? 'object'} to ${where} at layers ${(a.params.layers ?? []).join(',')} → ${a.outcome.answerAfter}${answerChangeSuffix(a.outcome)}`;
    }
    case 'undo':
      return 'Undo';
    case 'sweepPatches':
      return `Patch from mirror${a.params.batch ? ` (batch of ${a.params.batch})` : ''}: ${a.result.layers.length} layers, n=${a.result.n}`;
    case 'layer':
      return `Layer ${a.layer}`;
    case 'selectObject':
      return `Select ${a.object}`;
    case 'failed':
      return `${a.action === 'run' ? 'Run' : a.action === 'steer' ? 'Steer' : 'Patch from mirror'} failed${a.error.code !== null ? ` (${a.error.code})` : ''}: ${a.error.message}`;
  }
}

import { type ReplayedExperiment, type ReplayedStep, type UiAction, describeField, outcomeDifferences } from '../../../protocol/experimentSteps';
import { rpcMethodOf } from '../../../protocol/methods';
import type { WebviewMethod, WebviewMethods } from '../../../protocol/webview';
import { RequestFailed } from '../hostBridge';
import type { ReplayReport } from '../state/panelState';
import type { Controller, Requester } from './controller';

/**
 * Opening a saved experiment. The host has re-run the file's steps and sends them with init
 * (ReplayedExperiment: each step's fresh result and the file's as `saved`); the panel rebuilds
 * its view by walking the file's UI actions (runs, steers, undos, sweeps, layer and object
 * choices) in order, each click served the next steps of its methods, and reports every action
 * whose fresh numbers differ from the saved ones: its number, its kind, the step and what
 * differed (protocol/experimentSteps.ts). An action that failed when it was recorded and fails
 * the same way now (same error code) is reproduced, and the walk goes on past it; so it does past
 * one that fails now. A file without UI actions is walked as its steps suggest.
 */
export async function replayExperiment(controller: Controller, value: unknown): Promise<ReplayReport> {
  if (!isReplayedExperiment(value)) {
    return { actions: 0, differences: [], error: 'The panel was sent an experiment it cannot replay: open the file with Open Experiment..., which re-runs its steps first.' };
  }
  const requester = new StepRequester(value.steps);
  const actions = value.ui?.actions ?? actionsOfSteps(value.steps);
  const walked = await controller.withRequester(requester, () => walk(controller, actions, requester));
  requester.finish();
  return { ...walked, differences: requester.differences, steps: value.steps.length, reproduced: requester.reproduced };
}

export function isReplayedExperiment(value: unknown): value is ReplayedExperiment {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ReplayedExperiment>;
  return v.replayed === true && Array.isArray(v.steps) && v.steps.every((s) => typeof s === 'object' && s !== null && typeof s.method === 'string');
}

const hasInterventions = (step: ReplayedStep | undefined) => Array.isArray(step?.params.interventions);
const KIND_LABEL: Record<string, string> = { run: 'run', steer: 'steer', sweepPatches: 'patch sweep', undo: 'undo', layer: 'layer', selectObject: 'object choice' };

/** A flip map, a batch steer (the band table) or a forward capturing activations (the export): made by app/researchPlots.ts, not by a recorded click. */
function madeByResearchPlots(step: ReplayedStep): boolean {
  const p = step.params as { batch?: unknown; capture?: unknown };
  return step.method === 'flipMap' || (step.method === 'steer' && p.batch !== undefined) || (step.method === 'forward' && p.capture !== undefined);
}

/** A step's failure as served to the panel: the replay goes on past it. */
export class ReplayedStepFailed extends RequestFailed {}

/**
 * Serves the panel's requests from the re-run steps in order. A click is served the next step of
 * its method; steps before it that no recorded action made (a request cancelled while recorded,
 * or one whose click was not logged) are settled on the way: reproduced when they failed the
 * same way, else listed as differing.
 */
export class StepRequester implements Requester {
  readonly differences: string[] = [];
  /** Steps that failed when recorded and fail the same way now. */
  reproduced = 0;
  /** The action being replayed (1-based) and its kind, named in the differences. */
  action: { index: number; kind: string } | null = null;
  private next = 0;

  constructor(private readonly steps: readonly ReplayedStep[]) {}

  /**
   * Where the next step of `method` is: the next unserved step, past steps that failed when
   * recorded (a cancelled request, or a failure whose click went on to ask nothing more). A
   * step that answered when recorded is never passed over: it belongs to a later click.
   */
  private locate(method: string): { at: number } | { problem: string } {
    for (let i = this.next; i < this.steps.length; i++) {
      const step = this.steps[i];
      // the research plots' requests (flip map, band table, activation export) drive no replayed click: settled by their results
      if (madeByResearchPlots(step)) continue;
      if (step.method === method) return { at: i };
      if (!step.saved?.error) return { problem: `step ${i + 1} is a ${step.method}, but the panel asked for a ${method} here` };
    }
    return { problem: `the experiment has no ${method} step left for the panel's ${method}` };
  }

  /** The next unserved step of `method`, and the one after it (its params drive the next click). */
  peek(method: string): { step: ReplayedStep; after: ReplayedStep | undefined } | { problem: string } {
    const found = this.locate(method);
    return 'at' in found ? { step: this.steps[found.at], after: this.steps[found.at + 1] } : found;
  }

  async request<M extends WebviewMethod>(method: M, _params: WebviewMethods[M]['params']): Promise<WebviewMethods[M]['result']> {
    const found = this.locate(method.replace('spatialIds/', ''));
    if (!('at' in found)) throw new RequestFailed(found.problem, 0, false);
    const i = found.at;
    for (let j = this.next; j < i; j++) this.settle(j, null);
    this.next = i + 1;
    const step = this.steps[i];
    this.settle(i, this.action);
    if (step.error) throw new ReplayedStepFailed(`step ${i + 1} (${step.method}) failed when the file was re-run: ${step.error.message}`, step.error.code, false);
    return step.result as WebviewMethods[M]['result'];
  }

  /** Settles the steps no action asked for, at the end of the walk. */
  finish(): void {
    for (let j = this.next; j < this.steps.length; j++) this.settle(j, null);
    this.next = this.steps.length;
  }

  private settle(i: number, action: { index: number; kind: string } | null): void {
    const step = this.steps[i];
    const saved = step.saved;
    if (!saved || (saved.result === undefined && !saved.error)) return;
    const fields = outcomeDifferences(saved, step);
    if (fields.length === 0) {
      if (saved.error) this.reproduced++;
      return;
    }
    const by = action ? `action ${action.index} (${KIND_LABEL[action.kind] ?? action.kind}), ` : '';
    const made = action ? '' : ' (made by no replayed action)';
    const shown = fields.slice(0, 3).map(describeField).join('; ');
    const more = fields.length > 3 ? ` (and ${fields.length - 3} more)` : '';
    this.differences.push(`${by}step ${i + 1} (${step.method})${made}: ${shown}${more}`);
  }
}

/** UI actions for a file saved without them: a run per forward (with the probe after it), a steer per steer, a sweep per sweep. */
export function actionsOfSteps(steps: readonly ReplayedStep[]): UiAction[] {
  const out: UiAction[] = [];
  for (const s of steps) {
    if (s.method === 'forward') out.push({ kind: 'run' });
    else if (s.method === 'steer') out.push({ kind: 'steer' });
    else if (s.method === 'sweepPatches') out.push({ kind: 'sweepPatches' });
  }
  return out;
}

const FAILURE_LABEL: Record<string, string> = { run: 'Run', steer: 'Steer', sweepPatches: 'Patch sweep' };

/** Walks the UI actions through the controller, each click with the params of the steps it made; a failing click is logged and the walk goes on. */
async function walk(controller: Controller, actions: readonly UiAction[], steps: StepRequester): Promise<Omit<ReplayReport, 'differences'>> {
  let done = 0;
  const problems: string[] = [];
  const expect = <M extends 'forward' | 'steer' | 'sweepPatches'>(method: M, i: number) => {
    const next = steps.peek(method);
    if ('problem' in next) throw new Error(`action ${i + 1} (${KIND_LABEL[actions[i].kind] ?? actions[i].kind}): ${next.problem}`);
    return { params: next.step.params as unknown as WebviewMethods[`spatialIds/${M}`]['params'], after: next.after };
  };
  for (const [i, action] of actions.entries()) {
    if (!controller.state) return { actions: done, error: 'the panel has no media' };
    steps.action = { index: i + 1, kind: action.kind };
    try {
      switch (action.kind) {
        case 'run': {
          const { params: forward, after } = expect('forward', i);
          const probe = after?.method === 'probe' && !hasInterventions(after) ? (after.params as unknown as WebviewMethods['spatialIds/probe']['params']) : null;
          await controller.runWith(forward, probe);
          break;
        }
        case 'steer':
          await controller.steerWith(expect('steer', i).params);
          break;
        case 'undo':
          controller.undoStep();
          break;
        case 'sweepPatches':
          await controller.sweepPatchesWith(expect('sweepPatches', i).params);
          break;
        case 'layer':
          controller.setLayer(action.layer);
          break;
        case 'selectObject':
          controller.selectObject(action.object);
          break;
      }
    } catch (error) {
      if (error instanceof ReplayedStepFailed) {
        // the failure is in the log as it was when recorded; whether it is the same one is settled by the step
        controller.recordFailure(FAILURE_LABEL[action.kind] ?? action.kind, { code: error.code, message: error.message });
      } else {
        const message = error instanceof Error ? error.message : String(error);
        problems.push(message.startsWith('action ') ? message : `action ${i + 1} (${KIND_LABEL[action.kind] ?? action.kind}): ${message}`);
        continue;
      }
    }
    done++;
  }
  steps.action = null;
  return { actions: done, ...(problems.length ? { error: problems.join('; ') } : {}) };
}

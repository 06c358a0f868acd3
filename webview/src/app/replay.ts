import { type ReplayedExperiment, type ReplayedStep, type UiAction, describeStep, outcomeDifferences } from '../../../protocol/experimentSteps';
import { rpcMethodOf } from '../../../protocol/methods';
import type { WebviewMethod, WebviewMethods } from '../../../protocol/webview';
import { RequestFailed } from '../hostBridge';
import type { ReplayReport } from '../state/panelState';
import type { Controller, Requester } from './controller';

/**
 * Opening a saved experiment. The host has re-run the file's steps and sends them with init
 * (ReplayedExperiment: each step's fresh result and the file's as `saved`); the panel rebuilds
 * its view by walking the file's UI actions (runs, steers, undos, sweeps, layer and object
 * choices) in order, each click served the next steps in order by method, and reports every
 * step whose fresh numbers differ from the saved ones (protocol/experimentSteps.ts). A file
 * without UI actions is walked as its steps suggest: a forward is a run, a steer a steer.
 */
export async function replayExperiment(controller: Controller, value: unknown): Promise<ReplayReport> {
  if (!isReplayedExperiment(value)) {
    return { actions: 0, differences: [], error: 'The panel was sent an experiment it cannot replay: open the file with Open Experiment..., which re-runs its steps first.' };
  }
  const requester = new StepRequester(value.steps);
  const actions = value.ui?.actions ?? actionsOfSteps(value.steps);
  const report = await controller.withRequester(requester, () => walk(controller, actions, requester));
  return { ...report, differences: [...requester.differences, ...report.differences] };
}

export function isReplayedExperiment(value: unknown): value is ReplayedExperiment {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ReplayedExperiment>;
  return v.replayed === true && Array.isArray(v.steps) && v.steps.every((s) => typeof s === 'object' && s !== null && typeof s.method === 'string');
}

const hasInterventions = (step: ReplayedStep | undefined) => Array.isArray(step?.params.interventions);

/** Serves the panel's requests from the re-run steps, strictly in order: a request of another method than the next step stops the replay. */
export class StepRequester implements Requester {
  readonly differences: string[] = [];
  private next = 0;

  constructor(private readonly steps: readonly ReplayedStep[]) {}

  /** The next step not yet served (its params drive the next click). */
  peek(offset = 0): ReplayedStep | undefined {
    return this.steps[this.next + offset];
  }

  async request<M extends WebviewMethod>(method: M, _params: WebviewMethods[M]['params']): Promise<WebviewMethods[M]['result']> {
    const step = this.steps[this.next];
    const n = this.next + 1;
    if (!step) throw new RequestFailed(`the experiment has no step left for the panel's ${method.replace('spatialIds/', '')}`, 0, false);
    if (rpcMethodOf(step.method) !== method) throw new RequestFailed(`step ${n} is a ${step.method}, but the panel asked for ${method.replace('spatialIds/', '')} here`, 0, false);
    this.next++;
    if (step.saved && (step.saved.result !== undefined || step.saved.error)) {
      const fields = outcomeDifferences(step.saved, step);
      if (fields.length) this.differences.push(describeStep({ step: n, method: step.method, fields }));
    }
    if (step.error) throw new RequestFailed(`step ${n} (${step.method}) failed when the file was re-run: ${step.error.message}`, step.error.code, false);
    return step.result as WebviewMethods[M]['result'];
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

/** Walks the UI actions through the controller, each click with the params of the steps it made. */
async function walk(controller: Controller, actions: readonly UiAction[], steps: StepRequester): Promise<ReplayReport> {
  let done = 0;
  const expect = <M extends 'forward' | 'steer' | 'sweepPatches'>(method: M, i: number) => {
    const step = steps.peek();
    if (step?.method !== method) throw new Error(`action ${i + 1} (${method === 'forward' ? 'run' : method}) has no ${method} step next in the file${step ? ` (step is a ${step.method})` : ''}`);
    return step.params as unknown as WebviewMethods[`spatialIds/${M}`]['params'];
  };
  try {
    for (const [i, action] of actions.entries()) {
      if (!controller.state) throw new Error('the panel has no media');
      switch (action.kind) {
        case 'run': {
          const forward = expect('forward', i);
          const probe = steps.peek(1)?.method === 'probe' && !hasInterventions(steps.peek(1)) ? (steps.peek(1)!.params as unknown as WebviewMethods['spatialIds/probe']['params']) : null;
          await controller.runWith(forward, probe);
          break;
        }
        case 'steer':
          await controller.steerWith(expect('steer', i));
          break;
        case 'undo':
          controller.undoStep();
          break;
        case 'sweepPatches':
          await controller.sweepPatchesWith(expect('sweepPatches', i));
          break;
        case 'layer':
          controller.setLayer(action.layer);
          break;
        case 'selectObject':
          controller.selectObject(action.object);
          break;
      }
      done++;
    }
  } catch (error) {
    return { actions: done, differences: [], error: error instanceof Error ? error.message : String(error) };
  }
  return { actions: done, differences: [] };
}

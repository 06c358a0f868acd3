import type { ExperimentAction as FileAction, ExperimentFile, WebviewMethod, WebviewMethods } from '../../../protocol/webview';
import { RequestFailed } from '../hostBridge';
import { type Experiment, type ExperimentAction, answerDifferences, parseExperiment } from '../state/experimentLog';
import { mediaRef } from '../state/panelState';
import type { ReplayReport } from '../state/panelState';
import { REPLAY_TOLERANCE, resultDifferences } from '../state/resultCompare';
import type { Controller, Requester } from './controller';

/**
 * Opening a saved experiment. The host has already re-run the file's server requests and sends
 * it with init (ExperimentFile: each action's fresh `result` and the `savedResult` from the
 * file); the panel rebuilds its view by walking its own log (the file's `panel`: runs, steers,
 * undos, sweeps, layer and object choices) with results served from the file instead of new
 * requests, and reports every result that differs from the saved one. A bare panel log (no
 * host re-run) is replayed live, through the host.
 */
export async function replayExperiment(controller: Controller, value: unknown): Promise<ReplayReport> {
  if (isExperimentFile(value)) {
    const requester = new FileRequester(value.actions);
    const log = parseExperiment(value.panel);
    const actions = log.ok ? log.experiment.actions : actionsFromFile(value.actions);
    const report = await controller.withRequester(requester, () => walk(controller, actions, false));
    return { ...report, differences: [...requester.differences, ...report.differences] };
  }
  const log = parseExperiment(value);
  if (!log.ok) return { actions: 0, differences: [], error: log.error };
  return walk(controller, log.experiment.actions, true);
}

const METHODS: readonly string[] = ['spatialIds/forward', 'spatialIds/probe', 'spatialIds/steer', 'spatialIds/patchSweep'];

export function isExperimentFile(value: unknown): value is ExperimentFile {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ExperimentFile>;
  return (
    v.format === 'spatial-id-lens/experiment' &&
    Array.isArray(v.actions) &&
    v.actions.every((a) => typeof a === 'object' && a !== null && METHODS.includes((a as FileAction).method))
  );
}

const hasInterventions = (params: unknown) => Array.isArray((params as { interventions?: unknown } | null)?.interventions);

/** Serves each request from the next unused action of the file with the same method (probes: with or without interventions alike). */
export class FileRequester implements Requester {
  readonly differences: string[] = [];
  private readonly used = new Set<number>();

  constructor(private readonly actions: readonly FileAction[]) {}

  async request<M extends WebviewMethod>(method: M, params: WebviewMethods[M]['params']): Promise<WebviewMethods[M]['result']> {
    const i = this.actions.findIndex((a, k) => !this.used.has(k) && a.method === method && (method !== 'spatialIds/probe' || hasInterventions(a.params) === hasInterventions(params)));
    if (i < 0) throw new RequestFailed(`the experiment file has no ${method} result for this step`, 0, false);
    this.used.add(i);
    const action = this.actions[i];
    if (action.error) throw new RequestFailed(`${method} failed when the file was re-run: ${action.error.message}`, action.error.code, false);
    if (action.savedResult !== undefined) {
      this.differences.push(...resultDifferences(method, action.savedResult, action.result).map((d) => `${method.replace('spatialIds/', '')} (request ${i + 1}): ${d}`));
    }
    return action.result as WebviewMethods[M]['result'];
  }
}

/** A panel log for a file saved without one: a run per forward (with its probe), then steers and sweeps in order. */
export function actionsFromFile(actions: readonly FileAction[]): ExperimentAction[] {
  const out: ExperimentAction[] = [];
  actions.forEach((a, i) => {
    if (a.error || a.result === undefined) return;
    if (a.method === 'spatialIds/forward') {
      const params = a.params as WebviewMethods['spatialIds/forward']['params'];
      const probe = actions.slice(i + 1, i + 3).find((p) => p.method === 'spatialIds/probe' && !hasInterventions(p.params));
      const result = a.result as WebviewMethods['spatialIds/forward']['result'];
      out.push({ kind: 'run', forward: params, ...(probe ? { probe: probe.params as WebviewMethods['spatialIds/probe']['params'] } : {}), result: { answer: result.answer, logprobs: result.logprobs } });
    } else if (a.method === 'spatialIds/steer') {
      const result = a.result as WebviewMethods['spatialIds/steer']['result'];
      if (result.single) out.push({ kind: 'steer', params: a.params as WebviewMethods['spatialIds/steer']['params'], outcome: result.single });
    } else if (a.method === 'spatialIds/patchSweep') {
      out.push({ kind: 'patchSweep', params: a.params as WebviewMethods['spatialIds/patchSweep']['params'], result: a.result as WebviewMethods['spatialIds/patchSweep']['result'] });
    }
  });
  return out;
}

/** Walks a panel log through the controller; `compare`: check each result against the one recorded in the log. */
async function walk(controller: Controller, actions: Experiment['actions'], compare: boolean): Promise<ReplayReport> {
  const differences: string[] = [];
  const note = (i: number, found: string[]) => differences.push(...found.map((d) => `action ${i + 1}: ${d}`));
  let done = 0;
  try {
    for (const [i, action] of actions.entries()) {
      const state = controller.state;
      if (!state) throw new Error('the panel has no media');
      const media = mediaRef(state.init.media);
      const bank = state.init.bank?.bank ?? null;
      switch (action.kind) {
        case 'run': {
          const probe = action.probe && bank ? { ...action.probe, media, bank } : null;
          const result = await controller.runWith({ ...action.forward, media }, probe);
          if (compare) note(i, answerDifferences(action.result, result, REPLAY_TOLERANCE));
          break;
        }
        case 'steer': {
          if (!bank) throw new Error(`action ${i + 1} steers, but there is no ID bank for this model`);
          const outcome = await controller.steerWith({ ...action.params, media, bank });
          if (compare) note(i, resultDifferences('spatialIds/steer', { single: action.outcome }, { single: outcome }));
          break;
        }
        case 'undo':
          controller.undoStep();
          break;
        case 'patchSweep': {
          const result = await controller.patchSweepWith(action.params.batch ? action.params : { ...action.params, media });
          if (compare) note(i, resultDifferences('spatialIds/patchSweep', action.result, result));
          break;
        }
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
    return { actions: done, differences, error: error instanceof Error ? error.message : String(error) };
  }
  return { actions: done, differences };
}

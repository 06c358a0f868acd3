import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisCommand } from '../../../server/src/analysis/experimentFile';
import { deriveIdsRequest, deriveTidsRequest, forwardRequest, patchSweepRequest, probeRequest, steerRequest, type DeriveIdsParams, type PatchSweepParams, type ProbeParams, type SteerParams } from '../../../protocol/requests';
import type { ExperimentAction, ExperimentFile, WebviewMethod } from '../../../protocol/webview';
import { runWithProgress } from '../analyses/longRunning';
import { CommandExperiment, asCommandExperiment, editorParams } from '../experiments/commandExperiment';
import { parseExperiment, sameResult } from '../experiments/experimentFile';
import { saveJsonWithDialog, suggestedFolder } from '../experiments/saveFiles';
import { InspectorPanel } from '../panel/inspectorPanel';
import { scopeParams } from '../panel/paramsScope';
import { toPanelError } from '../server/requestErrors';
import type { CommandContext } from './commandContext';

const REQUESTS = { 'spatialIds/forward': forwardRequest, 'spatialIds/probe': probeRequest, 'spatialIds/steer': steerRequest, 'spatialIds/patchSweep': patchSweepRequest } as const;

/** Re-runs each recorded action on the current model and bank; `savedResult` keeps the file's result. */
async function rerun(ctx: CommandContext, experiment: ExperimentFile, token: vscode.CancellationToken, report: (p: { message?: string; percentage?: number }) => void): Promise<ExperimentFile> {
  const bank = await ctx.banks.current(experiment.media.kind === 'image' ? 'spatial' : 'temporal');
  const scope = { media: experiment.media, bankPath: bank?.bank ?? null };
  const actions: ExperimentAction[] = [];
  for (const action of experiment.actions) {
    if (token.isCancellationRequested) break;
    report({ message: `${action.method.replace('spatialIds/', '')} (${actions.length + 1} of ${experiment.actions.length})`, percentage: (100 * actions.length) / experiment.actions.length });
    const method: WebviewMethod = action.method;
    const started = Date.now();
    const saved = { savedResult: action.result ?? action.error };
    try {
      const params = scopeParams(method, action.params as Record<string, unknown>, scope);
      const result: unknown = await ctx.models.request(REQUESTS[method] as typeof forwardRequest, params as never, token);
      actions.push({ method, params, result, ...saved, seconds: (Date.now() - started) / 1000 });
    } catch (e) {
      const { code, message } = toPanelError(e);
      actions.push({ method, params: action.params, error: { code, message }, ...saved, seconds: (Date.now() - started) / 1000 });
    }
  }
  return { ...experiment, actions };
}

/** The analysis request of a command-line experiment's command. */
function requestAnalysis(ctx: CommandContext, command: AnalysisCommand, params: Record<string, unknown>, token: vscode.CancellationToken, report: (p: { message?: string; percentage?: number }) => void): Promise<unknown> {
  switch (command) {
    case 'derive-ids':
      return ctx.models.request(deriveIdsRequest, params as DeriveIdsParams, token, report);
    case 'derive-tids':
      return ctx.models.request(deriveTidsRequest, params as DeriveIdsParams, token, report);
    case 'probe':
      return ctx.models.request(probeRequest, params as unknown as ProbeParams, token, report);
    case 'steer':
      return ctx.models.request(steerRequest, params as SteerParams, token, report);
    case 'patch-sweep':
      return ctx.models.request(patchSweepRequest, params as PatchSweepParams, token, report);
  }
}

/** A command-line experiment (`--save-experiment`, `--results`): re-run its one analysis on the current model. */
async function rerunCommandExperiment(ctx: CommandContext, file: string, cmd: CommandExperiment): Promise<unknown> {
  const { experiment } = cmd;
  const model = await ctx.models.ensureLoaded();
  if (path.resolve(experiment.model) !== path.resolve(model.dir)) {
    void vscode.window.showWarningMessage(`Spatial IDs: ${file} was run on ${experiment.model}; re-running it on ${ctx.models.modelName}.`);
  }
  const params = editorParams(experiment);
  const result = await runWithProgress(`Re-running ${experiment.command} from ${file}`, (token, report) => requestAnalysis(ctx, experiment.command, params, token, report));
  if (result === undefined) return undefined;
  ctx.results.add(experiment.command, params, result);
  const verdict = cmd.savedResults === undefined ? 'Export Results... saves them.' : sameResult(result, cmd.savedResults) ? 'The results equal the saved ones.' : 'The results differ from the saved ones.';
  void vscode.window.showInformationMessage(`Spatial IDs: re-ran ${experiment.command} from ${file}. ${verdict}`);
  return result;
}

/**
 * Open Experiment...: a panel recording re-opens the panel on its media and re-runs its actions;
 * a command-line experiment re-runs its analysis.
 */
export async function openExperimentCommand(ctx: CommandContext, arg?: unknown): Promise<ExperimentFile | unknown | undefined> {
  const uri = arg instanceof vscode.Uri ? arg : (await vscode.window.showOpenDialog({ title: 'Open Spatial IDs Experiment', filters: { Experiment: ['json'] }, canSelectMany: false }))?.[0];
  if (!uri) return undefined;
  const file = path.basename(uri.fsPath);
  let opened: { command: CommandExperiment } | { panel: ExperimentFile };
  try {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    const command = asCommandExperiment(JSON.parse(text) as unknown, file);
    opened = command ? { command } : { panel: parseExperiment(text, file) };
  } catch (e) {
    const message = e instanceof SyntaxError ? `${file} is not JSON (${e.message}).` : e instanceof Error ? e.message : String(e);
    void vscode.window.showErrorMessage(`Spatial IDs: ${message}`);
    return undefined;
  }
  if ('command' in opened) return rerunCommandExperiment(ctx, file, opened.command);
  const experiment = opened.panel;
  if (!fs.existsSync(experiment.media.path)) {
    void vscode.window.showErrorMessage(`Spatial IDs: the experiment's ${experiment.media.kind} ${experiment.media.path} is not there any more.`);
    return undefined;
  }
  const model = await ctx.models.ensureLoaded();
  if (experiment.model && experiment.model.decoderHash !== model.decoderHash) {
    void vscode.window.showWarningMessage(`Spatial IDs: the experiment was recorded with another model (${experiment.model.dir}); re-running it on ${ctx.models.modelName}.`);
  }
  const replayed = await runWithProgress(`Re-running ${experiment.actions.length} recorded actions`, (token, report) => rerun(ctx, experiment, token, report));
  if (!replayed) return undefined;
  InspectorPanel.show({ uri: vscode.Uri.file(experiment.media.path), kind: experiment.media.kind }, ctx.panels, replayed);
  const same = replayed.actions.filter((a) => a.result !== undefined && sameResult(a.result, a.savedResult)).length;
  void vscode.window.showInformationMessage(`Spatial IDs: re-ran ${replayed.actions.length} actions; ${same} gave the saved results.`);
  return replayed;
}

/** Export Results...: the open panels' experiments and this session's command results, as JSON. */
export async function exportResultsCommand(ctx: CommandContext): Promise<vscode.Uri | undefined> {
  const panels = InspectorPanel.all.map((p) => p.controller.experiment);
  if (!panels.length && !ctx.results.all.length) {
    void vscode.window.showInformationMessage('Spatial IDs: nothing to export yet: inspect an image or run an analysis first.');
    return undefined;
  }
  const report = { exportedAt: new Date().toISOString(), model: ctx.models.model, experiments: panels, commandResults: ctx.results.all };
  return saveJsonWithDialog(vscode.Uri.joinPath(suggestedFolder(), 'spatial-ids-results.json'), report, 'Export Spatial IDs Results');
}

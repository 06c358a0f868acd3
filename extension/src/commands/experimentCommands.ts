import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RequestType } from 'vscode-languageserver-protocol';
import { type Experiment, modelMismatch, storeExperiment } from '../../../protocol/experiment';
import type { ReplayedExperiment, ReplayedStep } from '../../../protocol/experimentSteps';
import { rpcMethodOf } from '../../../protocol/methods';
import { REQUEST_TYPES } from '../../../protocol/requests';
import type { WebviewMethod } from '../../../protocol/webview';
import { runWithProgress } from '../analyses/longRunning';
import { editorParams, readExperimentText, replayVerdict } from '../experiments/experimentFile';
import { saveJsonWithDialog, suggestedFolder } from '../experiments/saveFiles';
import { editorStoreOptions, savedCounts } from '../experiments/storeOptions';
import { readSettings } from '../config/settings';
import { otherShippedDirs } from '../server/shippedModels';
import { selectModelWithProgress } from '../ui/modelPicker';
import { InspectorPanel } from '../panel/inspectorPanel';
import { scopeParams } from '../panel/paramsScope';
import { REQUEST_CANCELLED, toPanelError } from '../../../protocol/errors';
import type { CommandContext } from './commandContext';

/**
 * Open Experiment... and Export Results...: experiment files (protocol/experiment.ts) from the
 * CLI, the palette or a panel are re-run step by step on the loaded model and compared with
 * their saved results; a panel experiment re-opens its panel, which replays its view from the
 * re-run steps. Export Results... writes this session's palette steps in the same format.
 */

const PANEL_METHODS: readonly string[] = ['forward', 'probe', 'steer', 'sweepPatches'];

/** What Open Experiment... returns (for tests and other extensions): the experiment, its re-run steps and the steps that differ. */
export interface OpenedExperiment {
  experiment: Experiment;
  steps: ReplayedStep[];
  differing: number[];
}

/** Re-runs every step in order; a panel's steps within the panel's scope (its media, the model's cached bank). */
async function rerun(ctx: CommandContext, exp: Experiment, token: vscode.CancellationToken, report: (p: { message?: string; percentage?: number }) => void): Promise<ReplayedStep[]> {
  const media = exp.ui?.media;
  const bank = await ctx.banks.current(media?.kind === 'video' ? 'temporal' : 'spatial');
  const out: ReplayedStep[] = [];
  for (const step of exp.steps) {
    if (token.isCancellationRequested) break;
    report({ message: `${step.method} (${out.length + 1} of ${exp.steps.length})`, percentage: (100 * out.length) / exp.steps.length });
    const saved = { ...(step.result !== undefined ? { result: step.result } : {}), ...(step.error ? { error: step.error } : {}) };
    let params = editorParams(step, bank?.bank ?? null);
    // a request the user cancelled while recording is not run again: it stands as it was
    if (step.error?.code === REQUEST_CANCELLED) {
      out.push({ method: step.method, params, error: step.error, saved });
      continue;
    }
    try {
      if (media && PANEL_METHODS.includes(step.method)) params = scopeParams(rpcMethodOf(step.method) as WebviewMethod, params, { media, bankPath: bank?.bank ?? null });
      const result: unknown = await ctx.models.request(REQUEST_TYPES[step.method] as RequestType<never, unknown, void>, params as never, token);
      out.push({ method: step.method, params, result, saved });
    } catch (e) {
      const { code, message } = toPanelError(e);
      out.push({ method: step.method, params, error: { code, message }, saved });
    }
  }
  return out;
}

/** Open Experiment...: re-runs a saved experiment and says which steps differ; a panel experiment re-opens its panel. */
export async function openExperimentCommand(ctx: CommandContext, arg?: unknown): Promise<OpenedExperiment | undefined> {
  const uri = arg instanceof vscode.Uri ? arg : (await vscode.window.showOpenDialog({ title: 'Open Spatial IDs Experiment', filters: { Experiment: ['json'] }, canSelectMany: false }))?.[0];
  if (!uri) return undefined;
  const file = path.basename(uri.fsPath);
  let experiment: Experiment;
  try {
    // a model folder not at its stored path (another machine, an old file's absolute path) is found by name among the settings' and the shipped ones
    experiment = readExperimentText(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)), uri.fsPath, ctx.models.bundledModelDir, {
      otherBundledDirs: otherShippedDirs(ctx.models.bundledModelDir),
      modelDirs: readSettings().modelPaths,
      exists: (dir) => fs.existsSync(path.join(dir, 'config.json')),
    });
  } catch (e) {
    void vscode.window.showErrorMessage(`Spatial IDs: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  const media = experiment.ui?.media;
  if (media && !fs.existsSync(media.path)) {
    void vscode.window.showErrorMessage(`Spatial IDs: the experiment's ${media.kind} ${media.path} is not there: keep the file beside the workspace it was saved in (its paths are relative to its folder).`);
    return undefined;
  }
  let model = await ctx.models.ensureLoaded();
  // run on the model the file names when it is here and another is loaded (open panels follow the switch)
  const wanted = experiment.model.dir;
  if (path.resolve(wanted) !== path.resolve(model.dir) && fs.existsSync(path.join(wanted, 'config.json'))) {
    const load = `Load ${path.basename(wanted)}`;
    const pick = await vscode.window.showInformationMessage(`Spatial IDs: ${file} was run on ${path.basename(wanted)}; ${path.basename(model.dir)} is loaded.`, load, `Re-run on ${path.basename(model.dir)}`);
    if (!pick) return undefined;
    if (pick === load) {
      if (!(await selectModelWithProgress(ctx.models, wanted))) return undefined;
      model = await ctx.models.ensureLoaded();
    }
  }
  const mismatch = modelMismatch(experiment, model, file);
  if (mismatch && (await vscode.window.showWarningMessage(`Spatial IDs: ${mismatch}`, 'Re-run Anyway')) !== 'Re-run Anyway') return undefined;
  const steps = await runWithProgress(`Re-running ${experiment.steps.length} steps of ${file}`, (token, report) => rerun(ctx, experiment, token, report));
  if (!steps) return undefined;
  const verdict = replayVerdict(file, experiment.steps, steps);
  if (media) {
    const replay: ReplayedExperiment = { replayed: true, steps, ...(experiment.ui ? { ui: experiment.ui } : {}) };
    // a panel of its own: the panel open on the same file keeps its work
    InspectorPanel.show({ uri: vscode.Uri.file(media.path), kind: media.kind }, ctx.panels, replay, file);
  }
  if (verdict.differing.length) void vscode.window.showWarningMessage(`Spatial IDs: ${verdict.message}`);
  else void vscode.window.showInformationMessage(`Spatial IDs: ${verdict.message}`);
  return { experiment, steps, differing: verdict.differing.map((d) => d.step) };
}

/** Export Results...: this session's palette steps (steering, sweeps, derivations) as one experiment file. */
export async function exportResultsCommand(ctx: CommandContext): Promise<vscode.Uri | undefined> {
  const model = ctx.models.model;
  if (!ctx.results.steps.length || !model) {
    void vscode.window.showInformationMessage('Spatial IDs: nothing to export yet: run Steer Object..., Run Mirror Patching Sweep or Derive IDs first (a panel saves its own steps with Save experiment).');
    return undefined;
  }
  const experiment: Experiment = { model: { dir: model.dir, decoderHash: model.decoderHash }, steps: [...ctx.results.steps] };
  const options = editorStoreOptions(ctx.models.bundledModelDir, ctx.banks.cache.root);
  return saveJsonWithDialog(
    vscode.Uri.joinPath(suggestedFolder(), 'spatial-ids-results.json'),
    (target: vscode.Uri) => storeExperiment(experiment, path.dirname(target.fsPath), options),
    'Export Spatial IDs Results',
    savedCounts,
  );
}

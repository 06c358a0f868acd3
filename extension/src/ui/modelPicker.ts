import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSettings } from '../config/settings';
import type { SelectedModel } from '../server/selectedModel';
import { shippedModels } from '../server/shippedModels';

interface ModelPick extends vscode.QuickPickItem {
  dir?: string;
}

/** Select Model...: the bundled model and its random-init control, the folders in `spatialIds.modelPaths`, or browse. */
export async function pickModel(models: SelectedModel): Promise<void> {
  const shipped = shippedModels(models.bundledModelDir);
  const shippedDirs = shipped.map((m) => m.dir);
  const listed: ModelPick[] = [
    ...shipped.map((m) => ({
      label: path.basename(m.dir),
      description: m.role === 'control' ? 'bundled · control: random init' : 'bundled',
      detail: m.role === 'control' ? 'The same architecture and tokenizer with untrained weights: the baseline a spatial-ID finding should not show on.' : m.dir,
      dir: m.dir,
    })),
    ...readSettings()
      .modelPaths.filter((d) => !shippedDirs.includes(d))
      .map((dir) => ({ label: path.basename(dir), detail: dir, dir })),
  ];
  const current = (item: ModelPick) => (item.description ? `${item.description} · current` : 'current');
  const items = listed.map((item): ModelPick => (item.dir === models.modelDir ? { ...item, picked: true, description: current(item) } : item));
  items.push({ label: '$(folder-opened) Browse for a model folder...' });
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Spatial IDs: Select Model',
    placeHolder: `Current: ${models.modelName} (a folder in the onnx-community layout: config.json, onnx/, tokenizer.json)`,
  });
  if (!pick) return;
  let dir = pick.dir;
  if (!dir) {
    const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use This Model' });
    dir = chosen?.[0]?.fsPath;
    if (!dir) return;
  }
  await selectModelWithProgress(models, dir);
}

/** Loads `dir` in a progress notification; open panels refresh on the new model (PanelController). */
export async function selectModelWithProgress(models: SelectedModel, dir: string): Promise<boolean> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Loading ${path.basename(dir)}...` }, async () => {
    try {
      const info = await models.select(dir);
      void vscode.window.showInformationMessage(`Spatial IDs: ${path.basename(dir)} loaded (${info.family}, ${info.variant}, ${info.numLayers} layers; dtypes in the folder: ${info.dtypes.join(', ') || 'none'}).`);
      return true;
    } catch (e) {
      void vscode.window.showErrorMessage(`Spatial IDs: could not load ${dir}: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  });
}

import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSettings } from '../config/settings';
import type { SelectedModel } from '../server/selectedModel';

interface ModelPick extends vscode.QuickPickItem {
  dir?: string;
}

/** Select Model...: the bundled model, the folders in `spatialIds.modelPaths`, or browse. */
export async function pickModel(models: SelectedModel): Promise<void> {
  const dirs = [models.bundledModelDir, ...readSettings().modelPaths.filter((d) => d !== models.bundledModelDir)];
  const items: ModelPick[] = dirs.map((dir) => ({
    label: path.basename(dir),
    description: dir === models.bundledModelDir ? 'bundled' : undefined,
    detail: dir,
    dir,
    picked: dir === models.modelDir,
  }));
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
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Loading ${path.basename(dir)}...` }, async () => {
    try {
      const info = await models.select(dir);
      void vscode.window.showInformationMessage(`Spatial IDs: ${path.basename(dir)} loaded (${info.family}, ${info.variant}, ${info.numLayers} layers; dtypes in the folder: ${info.dtypes.join(', ') || 'none'}).`);
    } catch (e) {
      void vscode.window.showErrorMessage(`Spatial IDs: could not load ${dir}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
}

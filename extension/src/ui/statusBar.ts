import * as vscode from 'vscode';
import type { ServerStateChange } from '../../../protocol/webview';
import type { InferenceServer } from '../server/inferenceServer';
import type { SelectedModel } from '../server/selectedModel';
import { COMMANDS } from '../commands/commandIds';

const ICONS: Record<ServerStateChange['state'], string> = {
  stopped: '$(circle-outline)',
  starting: '$(loading~spin)',
  running: '$(eye)',
  restarting: '$(loading~spin)',
};

/** Status bar item: model name and server state; click to select a model. */
export function createStatusBar(server: InferenceServer, models: SelectedModel): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('spatialIds.status', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Spatial IDs';
  item.command = COMMANDS.selectModel;
  const render = () => {
    const { state, message } = server.state;
    const stopped = state === 'stopped' && message !== undefined;
    item.text = `${stopped ? '$(error)' : ICONS[state]} ${models.modelName}`;
    item.tooltip = `Spatial IDs: model ${models.modelDir}\nInference server: ${state}${message ? ` (${message})` : ''}\nClick to select a model.`;
    item.backgroundColor = stopped ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  };
  render();
  item.show();
  return vscode.Disposable.from(item, server.onDidChangeState(render), models.onDidChangeModel(render));
}

import * as path from 'node:path';
import * as vscode from 'vscode';
import * as protocol from '../../protocol/requests';
import type { HostToWebview } from '../../protocol/webview';
import { IdBankCache } from './analyses/idBankCache';
import { IdBanks } from './analyses/idBanks';
import type { CommandContext } from './commands/commandContext';
import { registerCommands } from './commands/registerCommands';
import { onSettingsChanged } from './config/settings';
import { ResultsLog } from './experiments/resultsLog';
import { InspectorPanel } from './panel/inspectorPanel';
import { PanelController, type PanelMedia } from './panel/panelController';
import { InferenceServer } from './server/inferenceServer';
import { SelectedModel } from './server/selectedModel';
import { createStatusBar } from './ui/statusBar';

/**
 * What activate returns, for the integration tests. The tests are compiled apart from this
 * bundle, so they reach the bundle's own objects through here: request types and classes from
 * their own imports would be different instances (vscode-jsonrpc checks request types by identity).
 */
export interface SpatialIdsApi {
  context: CommandContext;
  panels: () => InspectorPanel[];
  protocol: typeof protocol;
  /** A panel controller whose messages to the webview go to `post` (no WebviewPanel). */
  newPanelController: (media: PanelMedia, post: (m: HostToWebview) => Thenable<boolean>) => PanelController;
}

let server: InferenceServer | undefined;

/**
 * Activation only wires things up: the inference server starts on the first request that
 * needs it (opening a panel, deriving IDs, selecting a model), so VS Code starts fast.
 */
export function activate(context: vscode.ExtensionContext): SpatialIdsApi {
  const log = vscode.window.createOutputChannel('Spatial IDs', { log: true });
  server = new InferenceServer(context.asAbsolutePath(path.join('dist', 'server.js')), log);
  const models = new SelectedModel(server, context.globalState, context.asAbsolutePath(path.join('models', 'tiny-spatial-vlm')));
  const storage = context.globalStorageUri.fsPath;
  const banks = new IdBanks(models, new IdBankCache(path.join(storage, 'id-banks')));
  const ctx: CommandContext = {
    server,
    models,
    banks,
    results: new ResultsLog(),
    panels: { extensionUri: context.extensionUri, models, banks, state: context.workspaceState },
  };
  context.subscriptions.push(
    log,
    models,
    banks,
    createStatusBar(server, models),
    registerCommands(ctx),
    // panels open when the window reloaded come back on their media, question and view (the webview's state)
    vscode.window.registerWebviewPanelSerializer(InspectorPanel.viewType, {
      deserializeWebviewPanel: async (panel, state) => void InspectorPanel.revive(panel, state, ctx.panels),
    }),
    // A changed thread count or execution provider takes effect when the model is next loaded.
    onSettingsChanged(() => log.info('Spatial IDs settings changed; they apply when the model is next loaded (Restart Inference Server applies them now).')),
    { dispose: () => InspectorPanel.all.forEach((p) => p.dispose()) },
  );
  return {
    context: ctx,
    panels: () => InspectorPanel.all,
    protocol,
    newPanelController: (media, post) => new PanelController(media, post, models, banks),
  };
}

export async function deactivate(): Promise<void> {
  await server?.dispose();
  server = undefined;
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ReplayedExperiment } from '../../../protocol/experimentSteps';
import { videoFramesRequest } from '../../../protocol/requests';
import type { HostToWebview } from '../../../protocol/webview';
import type { IdBanks } from '../analyses/idBanks';
import type { MediaTarget } from '../media/mediaTarget';
import type { SelectedModel } from '../server/selectedModel';
import { PanelController } from './panelController';
import { inspectorHtml, newNonce } from './webviewHtml';

export interface PanelServices {
  extensionUri: vscode.Uri;
  models: SelectedModel;
  banks: IdBanks;
}

/**
 * The inspector WebviewPanel for one image or video: one panel per file (inspecting it again
 * reveals it). Resources are limited to the extension's dist/ and media/ and the file's folder;
 * a video's frames come from the server as data URLs (the frames the model reads, sampled once,
 * there). The page gets a fresh nonce on every load.
 */
export class InspectorPanel implements vscode.Disposable {
  static readonly viewType = 'spatialIds.inspector';
  private static readonly open = new Map<string, InspectorPanel>();

  readonly panel: vscode.WebviewPanel;
  readonly controller: PanelController;
  private readonly disposables: vscode.Disposable[] = [];

  static get all(): InspectorPanel[] {
    return [...InspectorPanel.open.values()];
  }

  /** Panels share one editor group: beside the image when one is open, else in the active group. */
  private static column(): vscode.ViewColumn {
    const open = InspectorPanel.all.find((p) => p.panel.viewColumn !== undefined);
    if (open?.panel.viewColumn) return open.panel.viewColumn;
    return vscode.window.tabGroups.activeTabGroup.activeTab ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
  }

  static show(target: MediaTarget, services: PanelServices, replay?: ReplayedExperiment): InspectorPanel {
    const key = target.uri.fsPath;
    const existing = InspectorPanel.open.get(key);
    if (existing && !replay) {
      existing.panel.reveal();
      return existing;
    }
    existing?.panel.dispose();
    const panel = new InspectorPanel(target, services, replay);
    InspectorPanel.open.set(key, panel);
    return panel;
  }

  private constructor(
    readonly target: MediaTarget,
    services: PanelServices,
    replay: ReplayedExperiment | undefined,
  ) {
    const { extensionUri, models, banks } = services;
    const folder = vscode.Uri.file(path.dirname(target.uri.fsPath));
    this.panel = vscode.window.createWebviewPanel(
      InspectorPanel.viewType,
      `Spatial IDs: ${path.basename(target.uri.fsPath)}`,
      { viewColumn: InspectorPanel.column(), preserveFocus: false },
      {
        enableScripts: true,
        enableCommandUris: false,
        localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media'), folder],
      },
    );
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
    const webview = this.panel.webview;
    // A video's strip shows the frames the server feeds the model; when it cannot read the
    // video the strip stays empty and the panel shows the server's error on the first run.
    const frames =
      target.kind === 'video'
        ? async () => {
            try {
              return (await models.request(videoFramesRequest, { video: target.uri.fsPath })).frames;
            } catch (e) {
              models.server.log.warn(`No frames for ${target.uri.fsPath}: ${e instanceof Error ? e.message : String(e)}`);
              return [];
            }
          }
        : undefined;
    this.controller = new PanelController(
      { kind: target.kind, path: target.uri.fsPath, displayUri: webview.asWebviewUri(target.uri).toString(), ...(frames ? { frames } : {}) },
      (message: HostToWebview) => webview.postMessage(message),
      models,
      banks,
      replay,
    );
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    const css = vscode.Uri.joinPath(dist, 'webview.css');
    webview.html = inspectorHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      ...(fs.existsSync(css.fsPath) ? { styleUri: webview.asWebviewUri(css).toString() } : {}),
      nonce: newNonce(),
      title: this.panel.title,
    });
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => {
        this.controller.handle(m).catch((e: unknown) => models.server.log.error(`Inspector panel message failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));
      }),
      this.panel.onDidDispose(() => this.dispose()),
      this.controller,
    );
  }

  dispose(): void {
    if (InspectorPanel.open.get(this.target.uri.fsPath) === this) InspectorPanel.open.delete(this.target.uri.fsPath);
    vscode.Disposable.from(...this.disposables.splice(0)).dispose();
    this.panel.dispose();
  }
}

import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentStep, ReplayedExperiment } from '../../../protocol/experimentSteps';
import { videoFramesRequest } from '../../../protocol/requests';
import type { HostToWebview, PaletteAction } from '../../../protocol/webview';
import type { IdBanks } from '../analyses/idBanks';
import type { MediaTarget } from '../media/mediaTarget';
import type { SelectedModel } from '../server/selectedModel';
import { PanelController } from './panelController';
import { restorableMedia, stepsKey, storedSteps } from './panelRestore';
import { inspectorHtml, newNonce } from './webviewHtml';

export interface PanelServices {
  extensionUri: vscode.Uri;
  models: SelectedModel;
  banks: IdBanks;
  /** Workspace state: a panel's recorded steps, so a panel restored after a reload keeps them. */
  state: vscode.Memento;
}

/** How a panel comes to be: opened on a file, opened on a saved experiment, or restored after a reload. */
interface Opening {
  replay?: ReplayedExperiment;
  /** The experiment file's name, in the title of a replay panel. */
  replayFile?: string;
  restored?: { panel: vscode.WebviewPanel; panelId: string | null };
}

/**
 * The inspector WebviewPanel for one image or video: inspecting a file again reveals its panel;
 * an experiment opens in a panel of its own beside it. Resources are limited to the extension's
 * dist/ and media/ and the file's folder; a video's frames come from the server as data URLs
 * (the frames the model reads, sampled once, there). The page gets a fresh nonce on every load.
 * Panels are restored after a window reload from the webview's state (InspectorPanel.revive).
 */
export class InspectorPanel implements vscode.Disposable {
  static readonly viewType = 'spatialIds.inspector';
  private static readonly open = new Set<InspectorPanel>();

  readonly panel: vscode.WebviewPanel;
  readonly controller: PanelController;
  /** Opened from a saved experiment (Inspect on the same file opens or reveals a plain panel). */
  readonly isReplay: boolean;
  private readonly disposables: vscode.Disposable[] = [];

  static get all(): InspectorPanel[] {
    return [...InspectorPanel.open];
  }

  /** Panels share one editor group: beside the image when one is open, else in the active group. */
  private static column(): vscode.ViewColumn {
    const open = InspectorPanel.all.find((p) => p.panel.viewColumn !== undefined);
    if (open?.panel.viewColumn) return open.panel.viewColumn;
    return vscode.window.tabGroups.activeTabGroup.activeTab ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
  }

  /** The file's panel (revealed), or a new one; an experiment always gets a new panel, the open ones stay. */
  static show(target: MediaTarget, services: PanelServices, replay?: ReplayedExperiment, replayFile?: string): InspectorPanel {
    if (!replay) {
      const same = InspectorPanel.all.filter((p) => p.target.uri.fsPath === target.uri.fsPath);
      const existing = same.find((p) => !p.isReplay) ?? same[0];
      if (existing) {
        existing.panel.reveal();
        return existing;
      }
    }
    const panel = new InspectorPanel(target, services, { ...(replay ? { replay } : {}), ...(replayFile ? { replayFile } : {}) });
    InspectorPanel.open.add(panel);
    return panel;
  }

  /** Runs a palette command in the file's panel (opened if needed), so its result shows there and is recorded. */
  static perform(target: MediaTarget, services: PanelServices, action: PaletteAction): Promise<ExperimentStep | undefined> {
    return InspectorPanel.show(target, services).controller.perform(action);
  }

  /** A panel VS Code restores after a reload, from the state its webview kept; undefined (and closed) when its file is gone. */
  static revive(panel: vscode.WebviewPanel, state: unknown, services: PanelServices): InspectorPanel | undefined {
    const media = restorableMedia(state);
    if (!media || !fs.existsSync(media.path)) {
      services.models.server.log.warn(`Not restoring an inspector panel: ${media ? `${media.path} is no longer there` : 'its saved state names no image or video'}.`);
      panel.dispose();
      return undefined;
    }
    const restored = new InspectorPanel({ uri: vscode.Uri.file(media.path), kind: media.kind }, services, { restored: { panel, panelId: media.panelId } });
    InspectorPanel.open.add(restored);
    return restored;
  }

  private constructor(
    readonly target: MediaTarget,
    services: PanelServices,
    opening: Opening,
  ) {
    const { extensionUri, models, banks } = services;
    this.isReplay = opening.replay !== undefined;
    const folder = vscode.Uri.file(path.dirname(target.uri.fsPath));
    const options: vscode.WebviewOptions = {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media'), folder],
    };
    const name = path.basename(target.uri.fsPath);
    const title = opening.replayFile ? `Spatial IDs: ${name} (${opening.replayFile})` : `Spatial IDs: ${name}`;
    if (opening.restored) {
      this.panel = opening.restored.panel;
      this.panel.webview.options = options;
    } else {
      this.panel = vscode.window.createWebviewPanel(InspectorPanel.viewType, title, { viewColumn: InspectorPanel.column(), preserveFocus: false }, options);
    }
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
    const panelId = opening.restored?.panelId ?? randomUUID();
    const key = stepsKey(panelId);
    this.controller = new PanelController(
      { kind: target.kind, path: target.uri.fsPath, displayUri: webview.asWebviewUri(target.uri).toString(), ...(frames ? { frames } : {}) },
      (message: HostToWebview) => webview.postMessage(message),
      models,
      banks,
      opening.replay,
      {
        panelId,
        steps: opening.restored?.panelId ? storedSteps(services.state.get(key)) : [],
        onSteps: (steps) => void services.state.update(key, steps),
      },
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
      // closed by the user: its steps are not needed again (a reload disposes through dispose(), which keeps them)
      this.panel.onDidDispose(() => {
        void services.state.update(key, undefined);
        this.dispose();
      }),
      this.controller,
    );
  }

  dispose(): void {
    InspectorPanel.open.delete(this);
    vscode.Disposable.from(...this.disposables.splice(0)).dispose();
    this.panel.dispose();
  }
}

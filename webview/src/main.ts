import { Controller } from './app/controller';
import { PanelView } from './app/panelView';
import { replayExperiment } from './app/replay';
import { HostBridge, type VsCodeApi } from './hostBridge';
import './panel.css';
import './views/elements';
import { watchTheme } from './views/theme';

/**
 * The inspector panel's entry point (bundled by esbuild into one browser script, with panel.css
 * as the sibling stylesheet webview.css): wires the host bridge, the controller and the view,
 * then says `ready`; the host answers `init`.
 */

declare function acquireVsCodeApi(): VsCodeApi;

function start(): void {
  const api = acquireVsCodeApi();
  let controller: Controller | null = null;
  const bridge = new HostBridge(api, window, (event) => controller?.handleHostEvent(event));
  controller = new Controller(bridge, api);
  const c = controller;
  const view = new PanelView(c);
  const root = document.getElementById('app') ?? document.body;
  root.appendChild(view.element);

  c.onExperiment = (experiment) => {
    void c.guarded('Replay', async () => {
      const report = await replayExperiment(c, experiment);
      c.setReplay(report);
      return report;
    });
  };
  c.attach(view);

  watchTheme(() => view.themeChanged());
  let frame = 0;
  let lastWidth = 0;
  new ResizeObserver((entries) => {
    const width = Math.round(entries[0]?.contentRect.width ?? 0);
    if (width === lastWidth) return;
    lastWidth = width;
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => view.resized());
  }).observe(root);

  bridge.post({ type: 'ready' });
}

start();

// the panel's focus, progress and high-contrast rules (bundled into webview.css with panel.css)
import './contrast.css';

/** Theme colours read from the VS Code theme variables at render time (charts are redrawn when the theme changes). */

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export interface Theme {
  kind: ThemeKind;
  foreground: string;
  muted: string;
  background: string;
  border: string;
  focus: string;
  red: string;
  blue: string;
  green: string;
  orange: string;
  purple: string;
  yellow: string;
  fontFamily: string;
}

const FALLBACK: Record<'light' | 'dark', Omit<Theme, 'kind' | 'fontFamily'>> = {
  light: {
    foreground: '#3b3b3b', muted: '#717171', background: '#ffffff', border: '#e5e5e5', focus: '#005fb8',
    red: '#e51400', blue: '#1a85ff', green: '#388a34', orange: '#d18616', purple: '#652d90', yellow: '#bf8803',
  },
  dark: {
    foreground: '#cccccc', muted: '#9d9d9d', background: '#1f1f1f', border: '#2b2b2b', focus: '#0078d4',
    red: '#f14c4c', blue: '#3794ff', green: '#89d185', orange: '#d18616', purple: '#b180d7', yellow: '#cca700',
  },
};

export function themeKind(body: HTMLElement): ThemeKind {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-dark')) return 'dark';
  return 'light';
}

export function readTheme(body: HTMLElement = document.body): Theme {
  const kind = themeKind(body);
  const base = FALLBACK[kind === 'light' || kind === 'high-contrast-light' ? 'light' : 'dark'];
  const css = getComputedStyle(body);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    kind,
    foreground: v('--vscode-foreground', base.foreground),
    muted: v('--vscode-descriptionForeground', base.muted),
    background: v('--vscode-editor-background', base.background),
    border: v('--vscode-panel-border', v('--vscode-widget-border', base.border)),
    focus: v('--vscode-focusBorder', base.focus),
    red: v('--vscode-charts-red', base.red),
    blue: v('--vscode-charts-blue', base.blue),
    green: v('--vscode-charts-green', base.green),
    orange: v('--vscode-charts-orange', base.orange),
    purple: v('--vscode-charts-purple', base.purple),
    yellow: v('--vscode-charts-yellow', base.yellow),
    fontFamily: v('--vscode-font-family', 'system-ui, sans-serif'),
  };
}

/** Calls `onChange` when VS Code switches theme (it changes the body's classes and variables). */
export function watchTheme(onChange: () => void, body: HTMLElement = document.body): () => void {
  const observer = new MutationObserver(() => onChange());
  observer.observe(body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-id'] });
  return () => observer.disconnect();
}

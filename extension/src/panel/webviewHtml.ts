import { randomBytes } from 'node:crypto';

/**
 * The inspector page: a strict Content-Security-Policy (the webview-sample pattern). Scripts
 * only with this load's nonce; images, media and fonts only from the webview's own resource
 * origin (the extension's dist/ and media/, the inspected file's folder) plus data:/blob: for
 * rendered charts; no network at all. Styles likewise: the stylesheet from dist/ or a nonce'd
 * <style> (the UI sets no style attributes; components use constructed stylesheets). Pure.
 */
export interface WebviewPageParts {
  cspSource: string;
  scriptUri: string;
  styleUri?: string;
  nonce?: string;
  title: string;
}

export function newNonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data: blob:`,
    `media-src ${cspSource} blob:`,
    `font-src ${cspSource}`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function inspectorHtml(parts: WebviewPageParts): string {
  const nonce = parts.nonce ?? newNonce();
  const style = parts.styleUri ? `\n  <link rel="stylesheet" nonce="${nonce}" href="${escapeHtml(parts.styleUri)}">` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(parts.cspSource, nonce)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <title>${escapeHtml(parts.title)}</title>${style}
</head>
<body>
  <div id="app"></div>
  <script nonce="${nonce}" src="${escapeHtml(parts.scriptUri)}"></script>
</body>
</html>`;
}

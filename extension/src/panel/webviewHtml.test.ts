import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { inspectorHtml, newNonce } from './webviewHtml';

test('scripts run only with the per-load nonce; nothing remote is allowed', () => {
  const html = inspectorHtml({ cspSource: 'https://file+.vscode-resource.example', scriptUri: 'https://r/dist/webview.js', nonce: 'abc123', title: 'x <y>' });
  const csp = /Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-abc123'(;|$)/);
  assert.match(csp, /style-src \S+ 'nonce-abc123'(;|$)/);
  assert.doesNotMatch(csp, /https:(?!\/\/file)|\*|unsafe-/);
  assert.match(html, /<script nonce="abc123" src="https:\/\/r\/dist\/webview.js"><\/script>/);
  assert.match(html, /<title>x &#60;y&#62;<\/title>/);
});

test('each load gets a fresh nonce', () => {
  assert.notEqual(newNonce(), newNonce());
  assert.match(newNonce(), /^[A-Za-z0-9]{16,}$/);
});

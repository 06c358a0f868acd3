import type { MediaRef } from '../../../protocol/requests';
import type { WebviewMethod } from '../../../protocol/webview';

/**
 * What a panel's requests may touch: its own media file, the loaded model and its cached ID
 * bank. The host rewrites `model` and `bank` and refuses other media paths, so page content in the
 * webview cannot make the server read arbitrary files. Pure, so it is unit-tested without VS Code.
 */
export interface PanelScope {
  media: { kind: 'image' | 'video'; path: string };
  bankPath: string | null;
}

export class ScopeError extends Error {}

function checkMedia(value: unknown, scope: PanelScope, where: string): void {
  if (value === undefined) return;
  const ref = value as Partial<Record<'image' | 'video', unknown>>;
  const paths = [ref.image, ref.video].filter((p) => p !== undefined);
  if (paths.length !== 1 || paths[0] !== scope.media.path) {
    throw new ScopeError(`${where} must be this panel's ${scope.media.kind} (${scope.media.path}).`);
  }
}

/** A copy of the params with model and bank fixed by the host; throws ScopeError when out of scope. */
export function scopeParams(method: WebviewMethod, params: Record<string, unknown>, scope: PanelScope): Record<string, unknown> {
  const scoped: Record<string, unknown> = { ...params };
  // The server's loaded model is the panel's model; the webview does not pick folders.
  delete scoped.model;
  checkMedia(scoped.media, scope, 'media');
  if (Array.isArray(scoped.interventions)) {
    for (const i of scoped.interventions as { kind?: unknown; from?: MediaRef }[]) {
      if (i?.kind === 'patch') checkMedia(i.from ?? {}, scope, 'a patch source');
    }
  }
  if (method === 'spatialIds/probe' || method === 'spatialIds/steer' || method === 'spatialIds/flipMap') {
    // The cached bank of the loaded model; without one the server derives the default IDs itself.
    if (scope.bankPath) scoped.bank = scope.bankPath;
    else delete scoped.bank;
  }
  return scoped;
}

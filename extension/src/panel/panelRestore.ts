import type { ExperimentStep } from '../../../protocol/experimentSteps';

/**
 * Panels restored after a window reload (WebviewPanelSerializer): the webview's own state (its
 * PanelState, kept with setState) names the media and the host's panel id; the host's recorded
 * steps are kept in workspace state under that id, so Save experiment after a reload still holds
 * the requests the restored log shows. Pure, so it is unit-tested without VS Code.
 */

export interface RestorableMedia {
  kind: 'image' | 'video';
  path: string;
  /** null: a panel saved before panels had ids (its steps are not kept). */
  panelId: string | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The media a restored webview's state was showing, or null when the state is not a panel's. */
export function restorableMedia(state: unknown): RestorableMedia | null {
  if (!isObject(state) || !isObject(state.init) || !isObject(state.init.media)) return null;
  const { kind, path } = state.init.media;
  if ((kind !== 'image' && kind !== 'video') || typeof path !== 'string' || path === '') return null;
  const id = state.init.panelId;
  return { kind, path, panelId: typeof id === 'string' && /^[0-9a-z-]{8,64}$/i.test(id) ? id : null };
}

export const STEPS_KEY_PREFIX = 'spatialIds.panelSteps.';

export const stepsKey = (panelId: string) => `${STEPS_KEY_PREFIX}${panelId}`;

/** Steps read back from workspace state: anything that is not a list of steps is dropped. */
export function storedSteps(value: unknown): ExperimentStep[] {
  if (!Array.isArray(value)) return [];
  return value.filter((s): s is ExperimentStep => isObject(s) && typeof s.method === 'string' && isObject(s.params));
}

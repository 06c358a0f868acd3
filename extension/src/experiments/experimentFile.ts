import { paramsSchemaOf } from '../../../protocol/requestSchemas';
import { validateParams } from '../../../protocol/requestValidation';
import { WEBVIEW_METHODS, type ExperimentAction, type ExperimentFile, type WebviewMethod } from '../../../protocol/webview';

/**
 * Experiment files: building them from a panel's recorded actions, and checking one read from
 * disk before it is re-run (it may come from anyone): each action's params are checked by its
 * request's schema (requestSchemas.ts), so a shared file with `batch: 1e9` is refused here,
 * before any work. Pure, so it is unit-tested without VS Code.
 */
export const EXPERIMENT_FORMAT = 'spatial-id-lens/experiment';

export function newExperiment(media: ExperimentFile['media'], model: ExperimentFile['model']): ExperimentFile {
  return { format: EXPERIMENT_FORMAT, version: 1, createdAt: new Date().toISOString(), media, model, actions: [] };
}

export class ExperimentFileError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseExperiment(text: string, file: string): ExperimentFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ExperimentFileError(`${file} is not JSON (${(e as Error).message}).`);
  }
  const fail = (what: string) => new ExperimentFileError(`${file} is not a Spatial ID Lens experiment: ${what}.`);
  if (!isObject(raw) || raw.format !== EXPERIMENT_FORMAT) throw fail(`"format" must be "${EXPERIMENT_FORMAT}"`);
  if (raw.version !== 1) throw fail(`version ${JSON.stringify(raw.version)} is not supported (this extension reads version 1)`);
  const media = raw.media;
  if (!isObject(media) || (media.kind !== 'image' && media.kind !== 'video') || typeof media.path !== 'string') throw fail('"media" needs kind (image or video) and path');
  if (!Array.isArray(raw.actions)) throw fail('"actions" must be a list');
  const actions: ExperimentAction[] = raw.actions.map((a, i) => {
    if (!isObject(a) || typeof a.method !== 'string' || !(WEBVIEW_METHODS as readonly string[]).includes(a.method) || !isObject(a.params)) {
      throw fail(`action ${i + 1} needs a method among ${WEBVIEW_METHODS.join(', ')} and params`);
    }
    const params = validateParams(paramsSchemaOf(a.method as WebviewMethod), a.params, `action ${i + 1} (${a.method})`);
    if (!params.ok) throw new ExperimentFileError(`${file} cannot be re-run: ${params.message}`);
    return { ...a, params: params.value } as unknown as ExperimentAction;
  });
  const model = isObject(raw.model) && typeof raw.model.dir === 'string' && typeof raw.model.decoderHash === 'string' ? { dir: raw.model.dir, decoderHash: raw.model.decoderHash } : null;
  return {
    format: EXPERIMENT_FORMAT,
    version: 1,
    createdAt: typeof raw.createdAt === 'string' ? raw.createdAt : '',
    media: { kind: media.kind, path: media.path },
    model,
    actions,
    ...(raw.panel !== undefined ? { panel: raw.panel } : {}),
  };
}

/** Deep equality of JSON values, numbers within `tolerance` (re-runs on other threads/CPUs differ in the last bits). */
export function sameResult(a: unknown, b: unknown, tolerance = 1e-4): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameResult(x, b[i], tolerance));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && sameResult(a[k], b[k], tolerance));
  }
  return a === b;
}

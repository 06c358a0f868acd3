import type { HostToWebview, InitBody } from '../../protocol/webview';

/**
 * Checks messages from the extension host before the panel acts on them (the host is trusted,
 * but a malformed message must show as an error, not break the panel half-way).
 */

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const isFramePreview = (f: unknown): boolean =>
  isObject(f) && Number.isInteger(f.index) && (f.seconds === null || typeof f.seconds === 'number') && typeof f.image === 'string';

export function initProblem(body: unknown): string | null {
  if (!isObject(body)) return 'init has no body';
  const media = body.media;
  if (!isObject(media)) return 'init has no media';
  if (media.kind !== 'image' && media.kind !== 'video') return `unknown media kind "${String(media.kind)}"`;
  if (typeof media.path !== 'string' || typeof media.displayUri !== 'string') return 'media needs a path and a displayUri';
  if (media.frames !== undefined && !(Array.isArray(media.frames) && media.frames.every(isFramePreview))) return 'frames must be {index, seconds, image}';
  if (body.model !== null && !(isObject(body.model) && Number.isInteger(body.model.numLayers))) return 'model must be null or have numLayers';
  if (body.bank !== null && bankProblem(body.bank)) return `bank: ${bankProblem(body.bank)}`;
  const vocabulary = isObject(body.model) ? vocabularyProblem(body.model.vocabulary) : null;
  if (vocabulary) return `model.vocabulary: ${vocabulary}`;
  const s = body.settings;
  if (!isObject(s) || (typeof s.steeringFactor !== 'number' && s.steeringFactor !== null) || !Array.isArray(s.defaultLayers) || !s.defaultLayers.every(Number.isInteger)) {
    return 'settings need steeringFactor and defaultLayers';
  }
  if (body.sceneObjects !== undefined && !isSceneObjects(body.sceneObjects)) return 'sceneObjects must be {grid, objects: [{name, x, y, size}]}';
  return null;
}

const isFraction = (v: unknown): boolean => typeof v === 'number' && v >= 0 && v <= 1;
/** A scene-engine picture's objects (the extension read them from its sidecar). */
const isSceneObjects = (v: unknown): boolean =>
  isObject(v) &&
  Number.isInteger(v.grid) &&
  (v.grid as number) > 0 &&
  Array.isArray(v.objects) &&
  v.objects.every((o) => isObject(o) && typeof o.name === 'string' && isFraction(o.x) && isFraction(o.y) && typeof o.size === 'number' && (o.appearFrame === undefined || Number.isInteger(o.appearFrame)));

const isTemplate = (t: unknown): boolean =>
  isObject(t) &&
  typeof t.text === 'string' &&
  (t.objects === 1 || t.objects === 2) &&
  (t.relation === null || t.relation === 'leftRight' || t.relation === 'aboveBelow' || t.relation === 'beforeAfter') &&
  isStringArray(t.answers);

/** What the model can be asked: templates per media kind, and its object words or null (named freely). */
export function vocabularyProblem(vocabulary: unknown): string | null {
  if (!isObject(vocabulary)) return 'not an object';
  const t = vocabulary.questionTemplates;
  if (!isObject(t) || !Array.isArray(t.image) || !Array.isArray(t.video) || ![...t.image, ...t.video].every(isTemplate)) {
    return 'questionTemplates must be {image, video} lists of {text, objects, relation, answers}';
  }
  if (vocabulary.objectWords !== null && !isStringArray(vocabulary.objectWords)) return 'objectWords must be a string list or null';
  return null;
}

export function bankProblem(bank: unknown): string | null {
  if (!isObject(bank)) return 'not an object';
  if (bank.kind !== 'spatial' && bank.kind !== 'temporal') return 'kind must be spatial or temporal';
  if (!Array.isArray(bank.cells) || !bank.cells.every((c) => isObject(c) && Number.isInteger(c.x) && Number.isInteger(c.y))) return 'cells must be {x, y}';
  if (!Array.isArray(bank.layers) || !bank.layers.every((l) => isObject(l) && Number.isInteger(l.layer))) return 'layers must carry a layer number';
  return null;
}

export type ParsedHostMessage = { ok: true; message: HostToWebview } | { ok: false; error: string };

export function parseHostMessage(data: unknown): ParsedHostMessage {
  if (!isObject(data) || typeof data.type !== 'string') return { ok: false, error: 'message without a type' };
  const bad = (error: string): ParsedHostMessage => ({ ok: false, error: `${data.type}: ${error}` });
  switch (data.type) {
    case 'init': {
      const problem = initProblem(data.body);
      return problem ? bad(problem) : { ok: true, message: { type: 'init', body: data.body as unknown as InitBody } };
    }
    case 'bank': {
      const problem = bankProblem(data.body);
      return problem ? bad(problem) : { ok: true, message: data as unknown as HostToWebview };
    }
    case 'response':
      return Number.isInteger(data.requestId) ? { ok: true, message: data as unknown as HostToWebview } : bad('requestId must be a whole number');
    case 'error': {
      const b = data.body;
      if (!Number.isInteger(data.requestId)) return bad('requestId must be a whole number');
      if (!isObject(b) || typeof b.message !== 'string') return bad('body needs a message');
      return {
        ok: true,
        message: {
          type: 'error',
          requestId: data.requestId as number,
          body: { code: typeof b.code === 'number' ? b.code : 0, message: b.message, retryable: b.retryable === true },
        },
      };
    }
    case 'serverState': {
      const b = data.body;
      const states = ['starting', 'running', 'stopped', 'restarting'];
      if (!isObject(b) || !states.includes(b.state as string)) return bad('unknown server state');
      return { ok: true, message: data as unknown as HostToWebview };
    }
    case 'progress': {
      const b = data.body;
      if (!Number.isInteger(data.requestId) || !isObject(b)) return bad('needs a requestId and a body');
      if ((b.message !== undefined && typeof b.message !== 'string') || (b.percentage !== undefined && typeof b.percentage !== 'number')) return bad('message must be text and percentage a number');
      return { ok: true, message: data as unknown as HostToWebview };
    }
    default:
      return { ok: false, error: `unknown message type "${data.type}"` };
  }
}

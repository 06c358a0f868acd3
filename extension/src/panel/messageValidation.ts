import { paramsSchemaOf } from '../../../protocol/requestSchemas';
import { validateParams } from '../../../protocol/requestValidation';
import { WEBVIEW_METHODS, type WebviewMethod, type WebviewToHost } from '../../../protocol/webview';

/**
 * Checks a message from the webview before the host acts on it: the webview runs page content,
 * so every field is checked against webviewMessages.ts (type, requestId, the method against
 * WEBVIEW_METHODS, body shapes) and a request's params against the method's schema
 * (requestSchemas.ts, the server's own). Pure, so it is unit-tested without VS Code.
 */
export type Checked = { ok: true; message: WebviewToHost } | { ok: false; reason: string; requestId?: number };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isRequestId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Exported files are named, not placed: no folders, no hidden or empty names. */
const SAFE_FILE_NAME = /^[^/\\:*?"<>|\u0000-\u001f]{1,120}$/;

export function checkWebviewMessage(raw: unknown): Checked {
  if (!isObject(raw) || typeof raw.type !== 'string') return { ok: false, reason: 'not a message object with a string type' };
  switch (raw.type) {
    case 'ready':
    case 'deriveIds':
    case 'retry':
    case 'cancel':
      return { ok: true, message: { type: raw.type } };
    case 'request': {
      if (!isRequestId(raw.requestId)) return { ok: false, reason: 'request without a whole, non-negative requestId' };
      const body = raw.body;
      if (!isObject(body)) return { ok: false, reason: 'request without a body', requestId: raw.requestId };
      if (typeof body.method !== 'string' || !(WEBVIEW_METHODS as readonly string[]).includes(body.method)) {
        return { ok: false, reason: `method ${JSON.stringify(body.method)} is not one the panel may call (${WEBVIEW_METHODS.join(', ')})`, requestId: raw.requestId };
      }
      const method = body.method as WebviewMethod;
      const params = validateParams(paramsSchemaOf(method), body.params, method);
      if (!params.ok) return { ok: false, reason: params.message.replace(/\.$/, ''), requestId: raw.requestId };
      return { ok: true, message: { type: 'request', requestId: raw.requestId, body: { method, params: params.value } } };
    }
    case 'saveExperiment': {
      if (!isObject(raw.body) || !('experiment' in raw.body)) return { ok: false, reason: 'saveExperiment without body.experiment' };
      return { ok: true, message: { type: 'saveExperiment', body: { experiment: raw.body.experiment } } };
    }
    case 'exportFile': {
      const b = raw.body;
      if (!isObject(b)) return { ok: false, reason: 'exportFile without a body' };
      if (typeof b.suggestedName !== 'string' || !SAFE_FILE_NAME.test(b.suggestedName) || b.suggestedName.startsWith('.')) return { ok: false, reason: 'exportFile needs a plain file name' };
      if (typeof b.mime !== 'string' || typeof b.data !== 'string') return { ok: false, reason: 'exportFile needs string mime and data' };
      if (b.encoding !== 'utf8' && b.encoding !== 'base64') return { ok: false, reason: 'exportFile encoding must be utf8 or base64' };
      return { ok: true, message: { type: 'exportFile', body: { suggestedName: b.suggestedName, mime: b.mime, data: b.data, encoding: b.encoding } } };
    }
    default:
      return { ok: false, reason: `unknown message type ${JSON.stringify(raw.type)}` };
  }
}

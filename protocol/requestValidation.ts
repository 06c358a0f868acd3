import type { z } from 'zod';
import { CodedError } from './errors';
import { MODE_ISSUE } from './requestSchemas';
import { ErrorCodes } from './errors';

/**
 * The one way params are checked against their schema (requestSchemas.ts): a failure becomes a
 * message naming the field, the value received and what it must be, e.g.
 * `spatialIds/steer: batch must be a whole number from 1 to 2000 (got 1000000000).`
 * `validateParams` returns it (the extension host answers the webview with it); `checkParams`
 * throws it as a badRequest CodedError (the server, the CLI and the experiment readers).
 */

export type Validated<T> = { ok: true; value: T } | { ok: false; message: string };

/** At most this many problems are named in one message: the first ones are the ones to fix. */
const MAX_ISSUES = 3;

/** `interventions[0].layer` for the path ['interventions', 0, 'layer']. */
export function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || 'params';
}

/** A short rendering of a received value: long strings and lists by their size, not their content. */
export function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return String(v); // NaN and Infinity, which JSON would print as null
  if (typeof v === 'string' && v.length > 60) return `a string of ${v.length} characters`;
  if (Array.isArray(v) && v.length > 8) return `a list of ${v.length} items`;
  let json: string;
  try {
    json = JSON.stringify(v) ?? String(v);
  } catch {
    json = String(v);
  }
  return json.length > 100 ? `${json.slice(0, 97)}...` : json;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown, nameOf: FieldNamer): string {
  const field = nameOf(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
    return `${field} has ${issue.keys.length === 1 ? 'an unknown key' : 'unknown keys'} ${keys}: ${issue.message}`;
  }
  return `${field} must be ${issue.message} (got ${showValue(valueAt(raw, issue.path))})`;
}

/** How a message names a field: by its params path (the default), or as the CLI option it came from. */
export type FieldNamer = (path: readonly PropertyKey[]) => string;

/** The params if `raw` fits `schema`, else a message naming each bad field (up to three) for `label` (the method or file). */
export function validateParams<T>(schema: z.ZodType<T>, raw: unknown, label: string, nameOf: FieldNamer = fieldName): Validated<T> {
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, value: r.data };
  const isMode = (i: z.core.$ZodIssue) => i.code === 'custom' && i.params?.mode === MODE_ISSUE.mode;
  const faults = r.error.issues.filter((i) => !isMode(i));
  const chosen = faults.length ? faults : r.error.issues;
  const seen = new Set<string>();
  const issues = chosen.map((i) => describeIssue(i, raw, nameOf)).filter((m) => !seen.has(m) && seen.add(m));
  const more = issues.length > MAX_ISSUES ? ` (and ${issues.length - MAX_ISSUES} more)` : '';
  return { ok: false, message: `${label}: ${issues.slice(0, MAX_ISSUES).join('; ')}${more}.` };
}

/** The params if `raw` fits `schema`; else throws a badRequest CodedError with validateParams' message. */
export function checkParams<T>(schema: z.ZodType<T>, raw: unknown, label: string): T {
  const r = validateParams(schema, raw, label);
  if (!r.ok) throw new CodedError(ErrorCodes.badRequest, r.message);
  return r.value;
}

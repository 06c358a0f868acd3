/**
 * Experiment steps as data, and the one "same result?" check of re-runs, shared by the CLI, the
 * editor and the panel. It imports only the registry (methods.ts, itself import-free), so the
 * panel's browser bundle carries it as it is; the file schema, its migrations and its paths are
 * in experiment.ts.
 *
 * Tolerance: two numbers agree when |saved - fresh| <= 1e-4 * max(1, |saved|, |fresh|), i.e.
 * relative 1e-4 with an absolute floor of 1e-4 for values near 0. Re-runs on other CPUs or thread
 * counts differ in the last float32 bits (about 1e-6 relative); a real change of an analysis is
 * orders of magnitude larger. Every field is compared, the seeded noise control of steering
 * included; only the fields that say where and how long (UNCOMPARED_FIELDS) are not.
 */
import { type AnalysisMethodName, METHODS, METHOD_NAMES, type WebviewMethodName } from './methods';

/** The operations a step may run (the registry's, methods.ts): what the panel asks and the analyses. */
export type StepMethod = WebviewMethodName | AnalysisMethodName;
export const STEP_METHODS: readonly StepMethod[] = METHOD_NAMES.filter((n): n is StepMethod => METHODS[n].webview || METHODS[n].analysis);

export const isStepMethod = (m: unknown): m is StepMethod => (STEP_METHODS as readonly unknown[]).includes(m);

export interface StepError {
  code: number;
  message: string;
}

/** One request of an experiment: the method, its params (as the request takes them), and what it gave. */
export interface ExperimentStep {
  method: StepMethod;
  params: Record<string, unknown>;
  result?: unknown;
  error?: StepError;
}

/**
 * The panel's own actions, apart from the steps: which steps a click made (a run is a forward
 * with its probe, a steer a steer with its probe under the steering) and the view changes.
 */
export type UiAction =
  | { kind: 'run' }
  | { kind: 'steer' }
  | { kind: 'undo' }
  | { kind: 'sweepPatches' }
  | { kind: 'layer'; layer: number }
  | { kind: 'selectObject'; object: string };

/** UI-only state of a panel experiment: what the panel was opened on, and its actions. */
export interface ExperimentUi {
  media?: { kind: 'image' | 'video'; path: string };
  actions?: UiAction[];
}

/** A step re-run by the host for the panel: `result`/`error` are fresh, `saved` is the file's. */
export interface ReplayedStep extends ExperimentStep {
  saved?: { result?: unknown; error?: StepError };
}

/** What Open Experiment... sends the panel with init: the re-run steps and the file's UI state. */
export interface ReplayedExperiment {
  replayed: true;
  steps: ReplayedStep[];
  ui?: ExperimentUi;
}

export const RESULT_TOLERANCE = 1e-4;

/** Timings and file paths: they differ between machines and checkouts without the finding changing. */
export const UNCOMPARED_FIELDS: readonly string[] = ['seconds', 'bank', 'model', 'baselineModel'];

export interface FieldDifference {
  /** Where in the result, e.g. `single.logprobsAfter.left` or `objects[0].similarity[3][1]`. */
  field: string;
  saved: unknown;
  fresh: unknown;
}

/** What a step gave: a result, or an error (whose code is compared, not its wording). */
export interface StepOutcome {
  method: string;
  result?: unknown;
  error?: { code: number; message: string };
}

export interface StepDifference {
  /** 1-based, as the experiment list shows it. */
  step: number;
  method: string;
  fields: FieldDifference[];
}

export function sameNumber(a: number, b: number, tolerance = RESULT_TOLERANCE): boolean {
  if (a === b) return true; // also equal infinities
  return Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const join = (at: string, key: string) => (at ? `${at}.${key}` : key);

function walk(saved: unknown, fresh: unknown, at: string, out: FieldDifference[], tolerance: number): void {
  if (typeof saved === 'number' && typeof fresh === 'number') {
    if (!sameNumber(saved, fresh, tolerance)) out.push({ field: at, saved, fresh });
    return;
  }
  if (Array.isArray(saved) && Array.isArray(fresh)) {
    if (saved.length !== fresh.length) out.push({ field: `${at}.length`, saved: saved.length, fresh: fresh.length });
    else saved.forEach((s, i) => walk(s, fresh[i], `${at}[${i}]`, out, tolerance));
    return;
  }
  if (isObject(saved) && isObject(fresh)) {
    // Only the saved result's fields: results gain optional fields as the tool grows, and a file
    // saved before one existed vouches only for what it holds. A saved field now missing differs.
    const keys = Object.keys(saved).filter((k) => !UNCOMPARED_FIELDS.includes(k));
    for (const k of keys) {
      if (!(k in fresh)) out.push({ field: join(at, k), saved: saved[k], fresh: undefined });
      else walk(saved[k], fresh[k], join(at, k), out, tolerance);
    }
    return;
  }
  if (saved !== fresh) out.push({ field: at || 'result', saved, fresh });
}

/** Every field of `fresh` that differs from `saved` beyond the tolerance (empty: the same numbers). */
export function resultDifferences(saved: unknown, fresh: unknown, tolerance = RESULT_TOLERANCE): FieldDifference[] {
  const out: FieldDifference[] = [];
  walk(saved, fresh, '', out, tolerance);
  return out;
}

/** The differences of one step's outcome: results field by field, errors by code. */
export function outcomeDifferences(saved: Omit<StepOutcome, 'method'>, fresh: Omit<StepOutcome, 'method'>, tolerance = RESULT_TOLERANCE): FieldDifference[] {
  if (saved.error || fresh.error) {
    if (saved.error && fresh.error) return saved.error.code === fresh.error.code ? [] : [{ field: 'error.code', saved: saved.error.code, fresh: fresh.error.code }];
    return [{ field: 'outcome', saved: saved.error ? `error: ${saved.error.message}` : 'a result', fresh: fresh.error ? `error: ${fresh.error.message}` : 'a result' }];
  }
  return resultDifferences(saved.result, fresh.result, tolerance);
}

/**
 * The steps whose fresh outcome differs from the saved one, in order. Steps saved without a
 * result or error (an experiment saved before running) are not compared; a re-run that stopped
 * early leaves the later steps out.
 */
export function compareSteps(saved: readonly StepOutcome[], fresh: readonly StepOutcome[], tolerance = RESULT_TOLERANCE): StepDifference[] {
  const out: StepDifference[] = [];
  fresh.forEach((f, i) => {
    const s = saved[i];
    if (!s || (s.result === undefined && s.error === undefined)) return;
    const fields = s.method === f.method ? outcomeDifferences(s, f, tolerance) : [{ field: 'method', saved: s.method, fresh: f.method }];
    if (fields.length) out.push({ step: i + 1, method: f.method, fields });
  });
  return out;
}

function show(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (v === undefined) return 'nothing';
  const json = JSON.stringify(v) ?? String(v);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/** `logprobs.left -0.5 became -0.143`. */
export function describeField(d: FieldDifference): string {
  return `${d.field} ${show(d.saved)} became ${show(d.fresh)}`;
}

/** At most this many fields of a step are named: the first ones show what changed. */
const FIELDS_NAMED = 3;

/** `step 2 (probe): objects[0].argmax[3] 5 became 0; ... (and 12 more fields)`. */
export function describeStep(d: StepDifference): string {
  const max = FIELDS_NAMED;
  const named = d.fields.slice(0, max).map(describeField).join('; ');
  const more = d.fields.length > max ? ` (and ${d.fields.length - max} more field${d.fields.length - max > 1 ? 's' : ''})` : '';
  return `step ${d.step} (${d.method}): ${named}${more}`;
}

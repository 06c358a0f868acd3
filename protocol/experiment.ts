import * as path from 'node:path';
import { z } from 'zod';
import { badRequest } from './errors';
import { paramsSchemaOf } from './requestSchemas';
import { validateParams } from './requestValidation';
import { STEP_METHODS, type ExperimentStep, type ExperimentUi, type StepMethod, isStepMethod } from './experimentSteps';
import { rpcMethodOf } from './methods';

/**
 * The one experiment file, written by the CLI (--save-experiment, --results), the palette
 * commands (Export Results...) and the panel (Save experiment), read by all three:
 *
 *   { "format": "spatial-id-lens/experiment", "version": 2, "createdAt"?,
 *     "model": {"folder": "../models/m"} or {"bundled": "tiny-spatial-vlm"}, plus "decoderHash",
 *     "steps": [{"method": "steer", "params": {...}, "result"?: {...}, "error"?: {code, message}}],
 *     "ui"?: {"media"?: {kind, path}, "actions"?: [...]} }
 *
 * Steps are the server's requests by method (experimentSteps.ts), their params checked by the
 * request's own schema when read. Paths (media, bank, out, baseline, patch sources, the model
 * folder) are stored relative to the folder holding the file and resolved against the reader's,
 * so a file re-runs from another checkout path. A bank that is the model's default bank (the
 * editor's cache) is left out: every reader derives or has cached the same IDs.
 *
 * Older files are migrated when read (the file itself is never rewritten): the CLI's
 * `spatial-id-lens/experiment@1` (bare or in a results file) and the editor's version 1 with
 * `actions`. The panel's bare `panel-log` and the old Export Results... file (several
 * experiments) are refused with what to do instead.
 */

export const EXPERIMENT_FORMAT = 'spatial-id-lens/experiment';
export const EXPERIMENT_VERSION = 2;

/**
 * The model as stored: a folder relative to the file (with its folder name, by which a reader
 * finds it among its own model folders when the relative path is not there), or a bundled model
 * by name; and the decoder hash it was run with (sha256 of the decoder graph: its content hash).
 */
export type StoredModel = ({ folder: string; name?: string } | { bundled: string }) & { decoderHash: string | null };

export interface ExperimentFile {
  format: typeof EXPERIMENT_FORMAT;
  version: typeof EXPERIMENT_VERSION;
  createdAt?: string;
  model: StoredModel;
  steps: ExperimentStep[];
  ui?: ExperimentUi;
}

/** An experiment with its paths resolved (absolute), as the code runs it. */
export interface Experiment {
  createdAt?: string;
  model: { dir: string; decoderHash: string | null };
  steps: ExperimentStep[];
  ui?: ExperimentUi;
}

// ---- schema -------------------------------------------------------------------------------------

const text = (what: string) => z.string({ error: `${what} (a non-empty string)` }).min(1, { error: `${what} (a non-empty string)` });
const media = z.strictObject({ kind: z.enum(['image', 'video'], { error: '"image" or "video"' }), path: text('a file path') }, { error: '{"kind": "image" or "video", "path": file}' });
const uiAction = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('run') }),
    z.strictObject({ kind: z.literal('steer') }),
    z.strictObject({ kind: z.literal('undo') }),
    z.strictObject({ kind: z.literal('sweepPatches') }),
    z.strictObject({ kind: z.literal('layer'), layer: z.number({ error: 'a whole layer number' }).int({ error: 'a whole layer number' }).min(0, { error: 'a whole layer number' }) }),
    z.strictObject({ kind: z.literal('selectObject'), object: text('an object word') }),
  ],
  { error: 'a panel action {"kind": "run", "steer", "undo", "sweepPatches", "layer" or "selectObject"}' },
);
const stepSchema = z.strictObject(
  {
    method: z.enum(STEP_METHODS as [StepMethod, ...StepMethod[]], { error: `one of ${STEP_METHODS.join(', ')}` }),
    params: z.record(z.string(), z.unknown(), { error: 'the request params, an object' }),
    result: z.unknown().optional(),
    error: z.strictObject({ code: z.number({ error: 'a number' }), message: z.string({ error: 'a string' }) }, { error: '{"code", "message"}' }).optional(),
  },
  { error: 'a step {"method", "params", "result"?, "error"?}' },
);
const modelSchema = z
  .strictObject(
    {
      folder: text('a model folder path, relative to the file').optional(),
      name: text("the model folder's name").optional(),
      bundled: text('the name of the bundled model').optional(),
      decoderHash: z.union([z.string(), z.null()], { error: 'the decoder hash, a string, or null when unknown' }),
    },
    { error: '{"folder" or "bundled", "decoderHash"}' },
  )
  .refine((m) => (m.folder === undefined) !== (m.bundled === undefined) && (m.name === undefined || m.folder !== undefined), { error: 'a model with exactly one of "folder" (relative to the file, with its "name") and "bundled"' });

/** The panel's own state in a file; also what the panel sends with Save experiment. */
export const experimentUiSchema = z.strictObject({ media: media.optional(), actions: z.array(uiAction, { error: 'a list of panel actions' }).optional() }, { error: '{"media"?, "actions"?}' });

export const experimentFileSchema = z.strictObject(
  {
    format: z.literal(EXPERIMENT_FORMAT, { error: `"${EXPERIMENT_FORMAT}"` }),
    version: z.literal(EXPERIMENT_VERSION, { error: `${EXPERIMENT_VERSION} (older versions are migrated when read)` }),
    createdAt: z.string().optional(),
    model: modelSchema,
    steps: z.array(stepSchema, { error: 'a list of steps' }),
    ui: experimentUiSchema.optional(),
  },
  { error: 'an experiment {"format", "version", "model", "steps", "ui"?}' },
);

// ---- reading ------------------------------------------------------------------------------------

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks each step's params by its request's schema (a shared file with `batch: 1e9` is refused here, before any work). */
function checkSteps(steps: readonly ExperimentStep[], file: string): ExperimentStep[] {
  return steps.map((s, i) => {
    const checked = validateParams(paramsSchemaOf(rpcMethodOf(s.method)), s.params, `step ${i + 1} (${s.method})`);
    if (!checked.ok) throw badRequest(`${file} cannot be re-run: ${checked.message}`);
    return { ...s, params: checked.value as Record<string, unknown> };
  });
}

/**
 * The experiment in parsed JSON (any version this reader knows, migrated to version 2), its
 * params checked; throws a badRequest CodedError naming the file, the problem and the fix.
 * Paths are as stored: resolve them with resolveExperiment.
 */
export function parseExperimentFile(raw: unknown, file: string): ExperimentFile {
  const migrated = migrate(raw, file);
  const checked = validateParams(experimentFileSchema, migrated, file);
  if (!checked.ok) throw badRequest(`${checked.message} (a Spatial ID Lens experiment, format ${EXPERIMENT_FORMAT} version ${EXPERIMENT_VERSION})`);
  const exp = checked.value as ExperimentFile;
  return { ...exp, steps: checkSteps(exp.steps, file) };
}

const COMMANDS: Record<string, StepMethod> = { 'derive-ids': 'deriveIds', 'derive-tids': 'deriveTids', probe: 'probe', steer: 'steer', 'patch-sweep': 'sweepPatches' };
const PANEL_KINDS = new Set(['run', 'steer', 'undo', 'patchSweep', 'layer', 'selectObject']);
/** Version 1 named the mirror-patching sweep patchSweep (method and panel action); it is sweepPatches now. */
const renamed = (name: string) => (name === 'patchSweep' ? 'sweepPatches' : name);

/** Older formats as version 2 (in memory; the file is not touched), or the value as it is when it is none of them. */
function migrate(raw: unknown, file: string): unknown {
  if (!isObject(raw)) throw badRequest(`${file} is not a Spatial ID Lens experiment: it holds ${Array.isArray(raw) ? 'a list' : String(raw === null ? 'null' : typeof raw)}, not an object with "format": "${EXPERIMENT_FORMAT}".`);
  // the CLI's results file: {experiment, results}
  const cli = isObject(raw.experiment) && raw.experiment.format === 'spatial-id-lens/experiment@1' ? { exp: raw.experiment, results: raw.results } : raw.format === 'spatial-id-lens/experiment@1' ? { exp: raw, results: undefined } : null;
  if (cli) {
    const { command, model, params } = cli.exp as { command?: unknown; model?: unknown; params?: unknown };
    const method = typeof command === 'string' ? COMMANDS[command] : undefined;
    if (!method || typeof model !== 'string' || !model.trim() || !isObject(params)) {
      throw badRequest(`${file} is a Spatial ID Lens experiment (version 1) but lacks what one needs: a command among ${Object.keys(COMMANDS).join(', ')}, a model folder and params.`);
    }
    return { format: EXPERIMENT_FORMAT, version: EXPERIMENT_VERSION, model: { folder: model, decoderHash: null }, steps: [{ method, params, ...(cli.results !== undefined ? { result: cli.results } : {}) }] };
  }
  if (raw.format === 'spatial-id-lens/panel-log') {
    throw badRequest(`${file} is a panel log of an older Spatial ID Lens: it holds the panel's view but not the requests to re-run. Open the panel on its picture, redo the steps and use Save experiment.`);
  }
  if ('exportedAt' in raw && Array.isArray(raw.experiments) && Array.isArray(raw.commandResults)) {
    throw badRequest(`${file} is an Export Results... file of an older Spatial ID Lens (several experiments in one file), which cannot be re-run: run the commands again and use Export Results... or Save experiment to write version ${EXPERIMENT_VERSION}.`);
  }
  if (raw.format === EXPERIMENT_FORMAT && raw.version === 1) return migratePanelV1(raw, file);
  if (raw.format !== EXPERIMENT_FORMAT) throw badRequest(`${file} is not a Spatial ID Lens experiment: its "format" is ${JSON.stringify(raw.format) ?? 'missing'}, not "${EXPERIMENT_FORMAT}".`);
  if (typeof raw.version === 'number' && raw.version > EXPERIMENT_VERSION) {
    throw badRequest(`${file} is a version ${raw.version} experiment, newer than this Spatial ID Lens reads (version ${EXPERIMENT_VERSION}): update Spatial ID Lens.`);
  }
  return raw;
}

/** The editor's version 1: {media, model: {dir, decoderHash}, actions: [{method: "spatialIds/x", params, result?, error?}], panel?}. */
function migratePanelV1(raw: Record<string, unknown>, file: string): unknown {
  const model = raw.model;
  if (!isObject(model) || typeof model.dir !== 'string') throw badRequest(`${file} (version 1) was saved before a model had loaded, so it names none: open the panel on its picture and save the experiment again.`);
  if (!Array.isArray(raw.actions)) throw badRequest(`${file} (version 1): "actions" must be a list of requests.`);
  const steps = raw.actions.map((a, i) => {
    const method = isObject(a) && typeof a.method === 'string' ? renamed(a.method.replace(/^spatialIds\//, '')) : undefined;
    if (!isObject(a) || !isStepMethod(method)) throw badRequest(`${file} (version 1): action ${i + 1} needs a method among ${STEP_METHODS.map(rpcMethodOf).join(', ')}.`);
    return { method, params: a.params, ...(a.result !== undefined ? { result: a.result } : {}), ...(isObject(a.error) ? { error: { code: a.error.code, message: a.error.message } } : {}) };
  });
  const panel = isObject(raw.panel) && Array.isArray(raw.panel.actions) ? raw.panel.actions : [];
  const actions = panel.filter((a): a is Record<string, unknown> => isObject(a) && PANEL_KINDS.has(a.kind as string)).map((a) => (a.kind === 'layer' ? { kind: 'layer', layer: a.layer } : a.kind === 'selectObject' ? { kind: 'selectObject', object: a.object } : { kind: renamed(a.kind as string) }));
  const media = isObject(raw.media) ? { kind: raw.media.kind, path: raw.media.path } : undefined;
  return {
    format: EXPERIMENT_FORMAT,
    version: EXPERIMENT_VERSION,
    ...(typeof raw.createdAt === 'string' ? { createdAt: raw.createdAt } : {}),
    model: { folder: model.dir, decoderHash: typeof model.decoderHash === 'string' ? model.decoderHash : null },
    steps,
    ui: { ...(media ? { media } : {}), ...(actions.length ? { actions } : {}) },
  };
}

// ---- paths --------------------------------------------------------------------------------------

type PathMap = (p: string) => string;

function mapMedia<T extends Record<string, unknown>>(m: T, f: PathMap): T {
  const out: Record<string, unknown> = { ...m };
  if (typeof out.image === 'string') out.image = f(out.image);
  if (typeof out.video === 'string') out.video = f(out.video);
  return out as T;
}

/** A copy of a step's params with every file path mapped by `f` (media, bank, out, baseline, model, patch sources). */
export function mapStepPaths(params: Record<string, unknown>, f: PathMap): Record<string, unknown> {
  const out: Record<string, unknown> = { ...params };
  for (const key of ['model', 'bank', 'out', 'baseline']) if (typeof out[key] === 'string') out[key] = f(out[key] as string);
  if (isObject(out.media)) out.media = mapMedia(out.media, f);
  if (Array.isArray(out.interventions)) {
    out.interventions = out.interventions.map((i: unknown) => (isObject(i) && isObject(i.from) ? { ...i, from: mapMedia(i.from, f) } : i));
  }
  return out;
}

export interface StoreOptions {
  /** The bundled model's folder on the writer's machine: stored by name, so any installation finds its own. */
  bundledModelDir?: string;
  /** Other models shipped with the writer (the random-init control): stored by name too. */
  otherBundledDirs?: readonly string[];
  /** Banks every reader has the same numbers for (the model's default IDs, e.g. the editor's cache): left out of the params. */
  isDefaultBank?: (bank: string) => boolean;
  now?: Date;
}

/** `p` relative to `dir`, with `/` separators so the file reads the same on every system. */
function relativeTo(dir: string): PathMap {
  return (p) => path.relative(dir, path.resolve(p)).split(path.sep).join('/') || '.';
}

/** The experiment as written into a file in `dir`: paths relative to `dir`, the bundled model by name. */
export function storeExperiment(exp: Experiment, dir: string, opts: StoreOptions = {}): ExperimentFile {
  const rel = relativeTo(dir);
  const shipped = [opts.bundledModelDir, ...(opts.otherBundledDirs ?? [])].filter((d): d is string => d !== undefined);
  const bundled = shipped.some((d) => path.resolve(exp.model.dir) === path.resolve(d));
  const steps = exp.steps.map((s) => {
    const params = { ...s.params };
    if (typeof params.bank === 'string' && opts.isDefaultBank?.(params.bank)) delete params.bank;
    return { ...s, params: mapStepPaths(params, rel) };
  });
  const ui = exp.ui && { ...exp.ui, ...(exp.ui.media ? { media: { ...exp.ui.media, path: rel(exp.ui.media.path) } } : {}) };
  return {
    format: EXPERIMENT_FORMAT,
    version: EXPERIMENT_VERSION,
    createdAt: (opts.now ?? new Date()).toISOString(),
    model: { ...(bundled ? { bundled: path.basename(exp.model.dir) } : { folder: rel(exp.model.dir), name: path.basename(path.resolve(exp.model.dir)) }), decoderHash: exp.model.decoderHash },
    steps,
    ...(ui ? { ui } : {}),
  };
}

export interface ResolveOptions {
  bundledModelDir: string;
  /** Other models this reader ships (the random-init control), found by name like the bundled one. */
  otherBundledDirs?: readonly string[];
  /**
   * Model folders this reader knows (e.g. the editor's spatialIds.modelPaths): a stored folder
   * that is not there (another machine, or an old file's absolute path) is looked up among these
   * and the bundled ones by its folder name. `exists` says whether a folder is there.
   */
  modelDirs?: readonly string[];
  exists?: (dir: string) => boolean;
  file?: string;
}

/** The model folder a stored model names on this reader: the relative folder, else one of the same name it knows. */
function resolveModel(model: StoredModel, abs: PathMap, opts: ResolveOptions): string {
  const shipped = [opts.bundledModelDir, ...(opts.otherBundledDirs ?? [])];
  if ('bundled' in model) {
    const dir = shipped.find((d) => path.basename(d) === model.bundled);
    if (!dir) {
      throw badRequest(`${opts.file ?? 'The experiment'} was run on the bundled model ${model.bundled}, but this Spatial ID Lens bundles ${shipped.map((d) => path.basename(d)).join(' and ')}: choose a model folder to run it on.`);
    }
    return dir;
  }
  const dir = abs(model.folder);
  if (!opts.exists || opts.exists(dir)) return dir;
  const name = model.name ?? path.basename(dir);
  return [...(opts.modelDirs ?? []), ...shipped].find((d) => path.basename(d) === name && opts.exists!(d)) ?? dir;
}

/** The experiment of a file in `dir` with its paths resolved against `dir` (absolute paths of older files stay as they are). */
export function resolveExperiment(file: ExperimentFile, dir: string, opts: ResolveOptions): Experiment {
  const abs: PathMap = (p) => path.resolve(dir, p);
  const modelDir = resolveModel(file.model, abs, opts);
  const ui = file.ui && { ...file.ui, ...(file.ui.media ? { media: { ...file.ui.media, path: abs(file.ui.media.path) } } : {}) };
  return {
    ...(file.createdAt ? { createdAt: file.createdAt } : {}),
    model: { dir: modelDir, decoderHash: file.model.decoderHash },
    steps: file.steps.map((s) => ({ ...s, params: mapStepPaths(s.params, abs) })),
    ...(ui ? { ui } : {}),
  };
}

/** The refusal of a model whose decoder differs from the one the experiment was run with, or null when they agree (or the file names none). */
export function modelMismatch(exp: Experiment, loaded: { dir: string; decoderHash: string }, file: string): string | null {
  if (exp.model.decoderHash === null || exp.model.decoderHash === loaded.decoderHash) return null;
  return `${file} was run on a model with decoder hash ${exp.model.decoderHash} (${exp.model.dir}); the model at ${loaded.dir} has ${loaded.decoderHash}, so its numbers would differ. Re-run it on the model it names, or save a new experiment on this one.`;
}

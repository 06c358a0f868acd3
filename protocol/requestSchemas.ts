/**
 * Runtime schemas of every request's params, declared once beside the protocol types and used
 * wherever params cross a boundary: the RPC handlers, the CLI (its options become these params),
 * the extension host's checks of webview messages and the experiment readers.
 *
 * Why zod (4): the most widely used and actively kept of the three candidates; strict objects
 * refuse unknown keys and name them; every issue carries the field's path, so an error can
 * name `interventions[0].layer`; static types are inferred, and checked below against the
 * hand-written protocol interfaces so the two cannot drift. TypeBox would give JSON Schema
 * first but weaker messages; valibot is smaller but less used.
 *
 * Every leaf carries its own message ("a whole number from 1 to 2000"), which
 * requestValidation.ts words as "batch must be a whole number from 1 to 2000 (got 1000000000)".
 */
import { z } from 'zod';
import { LIMITS } from './requestLimits';
import type { MethodName, RpcMethod } from './methods';
import { MODEL_DTYPES } from './requests';
import type {
  CaptureSpec,
  DeriveIdsParams,
  ForwardParams,
  Intervention,
  LoadModelParams,
  MediaRef,
  SweepPatchesParams,
  PositionSelector,
  ProbeParams,
  SteerParams,
  VideoFramesParams,
  FlipMapParams,
} from './requests';

// ---- leaves -----------------------------------------------------------------------------------

function wholeNumber(min: number, max: number): z.ZodNumber {
  const m = `a whole number from ${min} to ${max}`;
  return z.number({ error: m }).int({ error: m }).min(min, { error: m }).max(max, { error: m });
}

function realNumber(min: number, max: number): z.ZodNumber {
  const m = `a number from ${min} to ${max}`;
  return z.number({ error: m }).min(min, { error: m }).max(max, { error: m });
}

const bool = z.boolean({ error: 'true or false (a JSON boolean, not a string or a number)' });

/** A non-blank string of at most `max` characters, described as `what`. */
function text(what: string, max: number) {
  const m = `${what} (a non-empty string of at most ${max} characters)`;
  return z
    .string({ error: m })
    .max(max, { error: m })
    .refine((s) => s.trim().length > 0, { error: m });
}

/** A file or folder path: non-empty, no NUL (which the OS would cut the path at). */
function filePath(what: string) {
  return text(what, LIMITS.pathChars).refine((s) => !s.includes('\0'), { error: `${what} without NUL characters` });
}

function list<T extends z.ZodType>(item: T, what: string, min: number, max: number) {
  const m = `a list of ${min} to ${max} ${what}`;
  return z.array(item, { error: m }).min(min, { error: m }).max(max, { error: m });
}

/** A strict object: an unknown key (a typo such as `batchSize`) is refused with the known keys named. */
function strictObject<S extends z.ZodRawShape>(shape: S, what: string) {
  const keys = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `the known keys are ${keys} (check the spelling)` : `${what}, an object with the keys ${keys}`),
  });
}

const float32 = z
  .number({ error: `a finite number (|v| <= ${LIMITS.float32Max}, the float32 range)` })
  .refine((v) => Math.abs(v) <= LIMITS.float32Max, { error: `a finite number (|v| <= ${LIMITS.float32Max}, the float32 range)` });

export const layerSchema = wholeNumber(0, LIMITS.layer.max);
export const questionSchema = text('a question', LIMITS.questionChars);
const modelDir = filePath('a model folder path');
const word = text('a word', LIMITS.wordChars);

/**
 * An object named "colour shape". Which colours and shapes exist is the scene engine's (the
 * server's) business: the derivation refuses an unknown word with badQuestion and the valid names.
 */
const sceneObject = z
  .string({ error: 'an object "colour shape", e.g. "red circle"' })
  .max(LIMITS.wordChars, { error: `an object "colour shape" of at most ${LIMITS.wordChars} characters` })
  .refine((s) => /^\s*[a-z]+\s+[a-z]+\s*$/i.test(s), { error: 'an object "colour shape": two words, e.g. "red circle"' });

const relation = z.enum(['leftRight', 'aboveBelow', 'beforeAfter'], { error: 'one of "leftRight", "aboveBelow", "beforeAfter"' });
const seed = wholeNumber(LIMITS.seed.min, LIMITS.seed.max);
const batch = wholeNumber(LIMITS.batch.min, LIMITS.batch.max);
const factor = realNumber(LIMITS.factor.min, LIMITS.factor.max);

// ---- shared values ----------------------------------------------------------------------------

const mediaMessage = '{"image": file} or {"video": file}';
export const mediaRefSchema = z.union([strictObject({ image: filePath('an image file path') }, mediaMessage), strictObject({ video: filePath('a video file path') }, mediaMessage)], {
  error: mediaMessage,
});

export const positionsSchema = z.union(
  [
    z.enum(['all', 'media', 'text']),
    list(wholeNumber(0, LIMITS.positionIndex), 'token positions', 1, LIMITS.positions),
    strictObject({ words: list(word, 'words', 1, LIMITS.words) }, '{"words": [...]}'),
  ],
  { error: '"all", "media", "text", a list of token positions, or {"words": ["red circle", ...]}' },
);

export const vectorSchema = list(float32, 'numbers', LIMITS.vectorLength.min, LIMITS.vectorLength.max);

/** All three names are admitted here; the run API refuses the reserved attn_out / mlp_out as not yet supported. */
const componentSchema = z.enum(['resid', 'attn_out', 'mlp_out'], { error: 'one of "resid" (the residual stream), "attn_out", "mlp_out" (reserved: attention and MLP outputs)' });
const addIntervention = strictObject({ kind: z.literal('add'), layer: layerSchema, component: componentSchema.optional(), positions: positionsSchema, vector: vectorSchema }, 'a steering addition');
const patchSource = z.union(
  [
    strictObject({ image: filePath('an image file path'), question: questionSchema.optional() }, '{"image": file, "question"?}'),
    strictObject({ video: filePath('a video file path'), question: questionSchema.optional() }, '{"video": file, "question"?}'),
  ],
  { error: '{"image": file} or {"video": file}, with an optional "question"' },
);
const patchIntervention = strictObject({ kind: z.literal('patch'), layer: layerSchema, component: componentSchema.optional(), positions: positionsSchema, from: patchSource }, 'a patch');

export const interventionSchema = z.discriminatedUnion('kind', [addIntervention, patchIntervention], {
  error: 'an intervention {"kind": "add" (steering) or "patch", "layer", "positions", ...}',
});
const interventions = list(interventionSchema, 'interventions', 0, LIMITS.interventions);

export const captureSchema = strictObject(
  { layers: z.union([z.literal('all'), list(layerSchema, 'layer indices', 0, LIMITS.layer.max + 1)], { error: '"all" or a list of layer indices' }).default('all'), positions: positionsSchema.default('all') },
  'a capture spec',
);

/**
 * Boxes are normalised to the picture (0..1 of its width and height) whatever its size. Older
 * files held pixels of the 96-px scene canvas: a coordinate above 1 is refused saying so, since
 * a pixel box cannot be told apart from a normalised one by the reader in general.
 */
const fractionMessage = 'a fraction from 0 to 1 of the picture (boxes are normalised; a box in pixels, as older files held, is x and width divided by the picture\'s width, y and height by its height: on the 96-px scene canvas, divide by 96)';
const fraction = z.number({ error: fractionMessage }).min(0, { error: fractionMessage }).max(1, { error: fractionMessage });
export const boxSchema = strictObject({ x: fraction, y: fraction, width: fraction, height: fraction }, 'a box normalised to the picture').refine((b) => b.x + b.width <= 1 + 1e-9 && b.y + b.height <= 1 + 1e-9, {
  error: 'a box inside the picture: x + width and y + height at most 1 (normalised coordinates)',
});
const boxes = z
  .record(word, boxSchema, { error: 'an object of boxes by object word, {"red circle": {"x", "y", "width", "height"}} normalised to the picture (0..1)' })
  .refine((b) => Object.keys(b).length <= LIMITS.words, { error: `at most ${LIMITS.words} boxes` });

// ---- request params ---------------------------------------------------------------------------

export const loadModelParamsSchema = strictObject(
  {
    dir: modelDir.optional(),
    dtype: z.enum(MODEL_DTYPES, { error: `a dtype: one of ${MODEL_DTYPES.join(', ')}` }).optional(),
    threads: wholeNumber(LIMITS.threads.min, LIMITS.threads.max).optional(),
    executionProviders: list(text('a provider name', LIMITS.wordChars), 'execution provider names such as "cpu"', 1, LIMITS.providers).optional(),
  },
  'the loadModel params',
);

export const forwardParamsSchema = strictObject(
  {
    model: modelDir.optional(),
    media: mediaRefSchema,
    question: questionSchema,
    // [] asks for no answer words: the generated answer alone (and its first word's log-probability)
    answers: list(word, 'answer words', 0, LIMITS.words).optional(),
    capture: captureSchema.optional(),
    interventions: interventions.optional(),
    maxNewTokens: wholeNumber(LIMITS.maxNewTokens.min, LIMITS.maxNewTokens.max).optional(),
  },
  'the forward params',
);

const deriveCommon = {
  model: modelDir.optional(),
  out: filePath('an .safetensors file path').optional(),
  overwrite: bool.optional(),
  objects: list(sceneObject, 'objects "colour shape"', LIMITS.objects.min, LIMITS.objects.max).optional(),
  seed: seed.optional(),
  baseline: z.union([filePath('a model folder path'), z.null()], { error: 'a model folder path, or null for none' }).optional(),
  // each calibration item costs about as much as one steering batch item over the candidate layers
  calibrationItems: wholeNumber(0, LIMITS.batch.max).optional(),
};

export const deriveIdsParamsSchema = strictObject(
  {
    ...deriveCommon,
    grid: wholeNumber(LIMITS.grid.min, LIMITS.grid.max).optional(),
    sizes: list(realNumber(LIMITS.sizes.min, LIMITS.sizes.max), 'object sizes in pixels', 1, LIMITS.sizes.count).optional(),
  },
  'the deriveIds params',
);

export const deriveTidsParamsSchema = strictObject({ ...deriveCommon, frames: wholeNumber(LIMITS.frames.min, LIMITS.frames.max).optional() }, 'the deriveTids params');

export const probeParamsSchema = strictObject(
  {
    model: modelDir.optional(),
    bank: filePath('an ID bank file path').optional(),
    media: mediaRefSchema,
    question: questionSchema,
    objects: list(word, 'object words', 1, LIMITS.words).optional(),
    boxes: boxes.optional(),
    interventions: interventions.optional(),
  },
  'the probe params',
);

/** Marks the issues of `oneMode`, which say little while the params have other faults (a misspelt `batchSize` is why `batch` is missing). */
export const MODE_ISSUE = { mode: true } as const;

/**
 * Batch mode runs held-out scenes; single mode one input: fields of the other mode would be
 * ignored, so they are refused. `single` fields are needed for one input, `singleOptional` ones
 * may come with it.
 */
function oneMode(value: Record<string, unknown>, ctx: z.RefinementCtx, single: readonly string[], batchOnly: readonly string[], singleOptional: readonly string[] = []): void {
  if (value.batch !== undefined) {
    for (const key of [...single, ...singleOptional].filter((k) => value[k] !== undefined)) {
      ctx.addIssue({ code: 'custom', path: [key], input: value[key], params: MODE_ISSUE, message: 'left out with batch (batch runs held-out scenes, not this input): give batch, or the single input without batch' });
    }
    return;
  }
  for (const key of single.filter((k) => value[k] === undefined)) {
    ctx.addIssue({ code: 'custom', path: [key], input: undefined, params: MODE_ISSUE, message: `given for a single input (${single.join(', ')} are needed), or give batch for held-out scenes` });
  }
  for (const key of batchOnly.filter((k) => value[k] !== undefined)) {
    ctx.addIssue({ code: 'custom', path: [key], input: value[key], params: MODE_ISSUE, message: 'given only with batch (it chooses the held-out scenes): add batch, or leave it out' });
  }
}

export const steerParamsSchema = strictObject(
  {
    model: modelDir.optional(),
    bank: filePath('an ID bank file path').optional(),
    media: mediaRefSchema.optional(),
    question: questionSchema.optional(),
    object: word.optional(),
    targetCell: wholeNumber(LIMITS.targetCell.min, LIMITS.targetCell.max).optional(),
    opposite: bool.optional(),
    objects: list(word, 'object names', 1, LIMITS.words).optional(),
    answers: list(word, 'answer words', 2, LIMITS.words).optional(),
    layers: list(layerSchema, 'layer indices', 0, LIMITS.bands.layers).optional(),
    factor: factor.optional(),
    seed: seed.optional(),
    batch: batch.optional(),
    relation: relation.optional(),
    bands: list(list(layerSchema, 'layer indices', 1, LIMITS.bands.layers), 'layer bands', 1, LIMITS.bands.count).optional(),
  },
  'the steer params',
).superRefine((p, ctx) => oneMode(p, ctx, ['media', 'question', 'object', 'targetCell'], ['relation', 'bands'], ['objects', 'answers']));

export const sweepPatchesParamsSchema = strictObject(
  {
    model: modelDir.optional(),
    media: mediaRefSchema.optional(),
    question: questionSchema.optional(),
    objects: list(word, 'object names', 2, 2).optional(),
    answers: list(word, 'answer words', 2, 2).optional(),
    batch: batch.optional(),
    relation: relation.optional(),
    seed: seed.optional(),
  },
  'the sweepPatches params',
).superRefine((p, ctx) => oneMode(p, ctx, ['media', 'question'], ['relation'], ['objects', 'answers']));

export const videoFramesParamsSchema = strictObject({ model: modelDir.optional(), video: filePath('a video file path') }, 'the videoFrames params');

// the flip map steers one input's object to every cell (plotRequests.ts): steer's single-input fields without targetCell
export const flipMapParamsSchema = strictObject(
  {
    model: modelDir.optional(),
    bank: filePath('an ID bank file path').optional(),
    media: mediaRefSchema,
    question: questionSchema,
    object: word,
    objects: list(word, 'object names', 1, LIMITS.words).optional(),
    answers: list(word, 'answer words', 2, LIMITS.words).optional(),
    layers: list(layerSchema, 'layer indices', 1, LIMITS.bands.layers).optional(),
    factor: factor.optional(),
    seed: seed.optional(),
  },
  'the flipMap params',
);

/** The params schema of each method, for the checks that see a method name (webview messages, experiment files). */
export const PARAMS_SCHEMAS = {
  'spatialIds/loadModel': loadModelParamsSchema,
  'spatialIds/forward': forwardParamsSchema,
  'spatialIds/deriveIds': deriveIdsParamsSchema,
  'spatialIds/deriveTids': deriveTidsParamsSchema,
  'spatialIds/probe': probeParamsSchema,
  'spatialIds/steer': steerParamsSchema,
  'spatialIds/sweepPatches': sweepPatchesParamsSchema,
  'spatialIds/videoFrames': videoFramesParamsSchema,
  'spatialIds/flipMap': flipMapParamsSchema,
} as const;

export type ParamsMethod = keyof typeof PARAMS_SCHEMAS;

// every operation of the registry (protocol/methods.ts) that takes params has its schema here
const schemaForEveryMethod: Record<RpcMethod<Exclude<MethodName, 'modelInfo'>>, z.ZodType<unknown>> = PARAMS_SCHEMAS;
void schemaForEveryMethod;

/** The schema of a method chosen at run time (its params' type is then known only as unknown). */
export const paramsSchemaOf = (method: ParamsMethod): z.ZodType<unknown> => PARAMS_SCHEMAS[method];

// ---- the schemas' types are the protocol's types (a compile error here means they drifted) -----

const typeChecks: [
  z.ZodType<MediaRef>,
  z.ZodType<PositionSelector>,
  z.ZodType<Intervention>,
  z.ZodType<CaptureSpec>,
  z.ZodType<LoadModelParams>,
  z.ZodType<ForwardParams>,
  z.ZodType<DeriveIdsParams>,
  z.ZodType<DeriveIdsParams>,
  z.ZodType<ProbeParams>,
  z.ZodType<SteerParams>,
  z.ZodType<SweepPatchesParams>,
  z.ZodType<VideoFramesParams>,
  z.ZodType<FlipMapParams>,
] = [
  mediaRefSchema,
  positionsSchema,
  interventionSchema,
  captureSchema,
  loadModelParamsSchema,
  forwardParamsSchema,
  deriveIdsParamsSchema,
  deriveTidsParamsSchema,
  probeParamsSchema,
  steerParamsSchema,
  sweepPatchesParamsSchema,
  videoFramesParamsSchema,
  flipMapParamsSchema,
];
void typeChecks;

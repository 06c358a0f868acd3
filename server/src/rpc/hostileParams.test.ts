import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { LIMITS } from '../../../protocol/requestLimits';
import { ErrorCodes } from '../../../protocol/errors';
import { ForwardResult, forwardRequest, modelInfoRequest } from '../../../protocol/requests';
import { startBundledServer } from '../../test/support/fuzzFixture';
import { TestServer } from '../../test/support/rpcTestClient';
import { BUNDLED_MODEL, SceneImage, makeTempDir } from '../../test/support/sceneFixture';

/**
 * Hostile params for every method over the real server: wrong types, missing fields, NaN,
 * 1e39, -5, 1e9, strings for numbers and booleans, arrays for objects, huge arrays and strings,
 * unknown keys, out-of-range layers and vector lengths, special tokens in questions. Each must be
 * refused with a coded error before any model work (so the suite is fast), never answered, never
 * an internal error; after each batch a good forward still gives the bundled model's answer.
 */

const present = fs.existsSync(path.join(BUNDLED_MODEL, 'onnx/decoder_model_merged.onnx'));
const skip = present ? false : 'no bundled model';

/** Codes that say whose problem a refusal is (never internal). */
const CODED = new Set<number>([ErrorCodes.badRequest, ErrorCodes.badQuestion, ErrorCodes.badMedia, ErrorCodes.badModel, ErrorCodes.wrongBank]);
/** A refused case is answered at once; this bounds a case that (wrongly) starts real work. */
const CASE_TIMEOUT_MS = 20_000;
const BATCH = 40;

const tmp = makeTempDir('rpc-hostile');
let server: TestServer;
let scene: SceneImage;
before(async () => {
  if (present) ({ server, scene } = await startBundledServer(tmp));
});
after(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// ---- hostile values per kind of field ------------------------------------------------------------

type Json = unknown;
const notJson = [null, [], {}, true]; // NaN and Infinity travel as null in JSON

function badInts(min: number, max: number): Json[] {
  const numbers = [min - 1, max + 1, -5, 1e9, 1e39, -1e39, min + 0.5, Number.NaN, Number.POSITIVE_INFINITY];
  return [...numbers.filter((n) => !(Number.isInteger(n) && n >= min && n <= max)), String(min), [min], ...notJson];
}
function badReals(min: number, max: number): Json[] {
  return [...[min - 1, -5, max + 1, 1e9, 1e39, -1e39, Number.NaN].filter((n) => !(n >= min && n <= max)), String(min), [min], ...notJson];
}
const badBools: Json[] = ['false', 'true', 'yes', 1, 0, null, [], {}];
const badPaths: Json[] = [5, '', '   ', null, true, [], {}, ['a'], 'a\u0000b', 'x'.repeat(LIMITS.pathChars + 1)];
const badWordLists: Json[] = ['left', [], [''], ['  '], [5], [null], {}, null, Array(LIMITS.words + 1).fill('w'), ['x'.repeat(LIMITS.wordChars + 1)]];
const badRelations: Json[] = ['inside', 'LEFTRIGHT', '', 5, null, ['leftRight'], {}];
const badLayerLists: Json[] = [[-1], [1.5], ['1'], [null], 'all', 3, {}, [1e39], Array(LIMITS.bands.layers + 1).fill(1), [7], [99], [0], [0, 1]];

function badQuestions(): Json[] {
  const q = scene.question;
  return [
    5, '', '   ', null, [], {}, [q],
    'x'.repeat(200_000),
    'x'.repeat(LIMITS.questionChars + 1),
    `${q} <image>`, `<video> ${q}`, `${q} </s> USER:`, `<s>${q}`,
    // within the character bound, beyond the bundled model's 256 positions
    Array.from({ length: 390 }, () => 'star').join(' '),
  ];
}

function badMedia(): Json[] {
  return [null, 'a.png', scene.file, {}, [], { image: 5 }, { image: '' }, { image: scene.file, video: scene.file }, { img: scene.file }, { image: scene.file, extra: 1 }, { image: [scene.file] }];
}

function badPositions(): Json[] {
  return ['images', '', 5, null, [-1], [1.5], ['1'], [], { words: [] }, { words: 'circle' }, { word: ['circle'] }, { words: [''] }];
}

function badInterventions(): Json[] {
  const v = (n: number, x = 0) => new Array(n).fill(x);
  const add = (over: object) => ({ kind: 'add', layer: 2, positions: 'media', vector: v(128), ...over });
  const patch = (over: object) => ({ kind: 'patch', layer: 2, positions: 'media', from: { image: scene.file }, ...over });
  return [
    {}, null, 'add', [null], [5], [[]],
    [{ kind: 'scale', layer: 1, positions: 'all' }], [{ layer: 1, positions: 'all', vector: v(128) }],
    [add({ vector: [1e39, ...v(127)] })], [add({ vector: [-1e39, ...v(127)] })], [add({ vector: [Number.NaN, ...v(127)] })],
    [add({ vector: v(127) })], [add({ vector: v(129) })], [add({ vector: [] })], [add({ vector: v(128, '0' as never) })], [add({ vector: v(LIMITS.vectorLength.max + 1) })],
    [add({ vector: 'zeros' })], [add({ layer: -1 })], [add({ layer: 1.5 })], [add({ layer: '2' })], [add({ layer: 7 })], [add({ layer: 99 })], [add({ layer: 1e9 })],
    [add({ positions: 'images' })], [add({ positions: [-1] })], [add({ extra: true })],
    [patch({ from: {} })], [patch({ from: scene.file })], [patch({ from: { image: scene.file, question: 5 } })], [patch({ from: { image: scene.file, question: '<image> x' } })],
    [patch({ layer: 99 })], [patch({ vector: v(128) })],
    [add({ component: 'resid_post' })], [add({ component: 5 })], [add({ component: 'attn_out' })], [patch({ component: 'mlp_out' })],
    Array(LIMITS.interventions + 1).fill(add({})),
  ];
}

function badCaptures(): Json[] {
  return [null, 'all', 5, [], { layers: [-1] }, { layers: [1.5] }, { layers: 'some' }, { layers: [7] }, { layers: [99] }, { layers: ['0'] }, { layers: Array(LIMITS.layer.max + 2).fill(0) }, { positions: 'images' }, { positions: [-1] }, { position: 'all' }];
}

function badBoxes(): Json[] {
  const box = { x: 1, y: 2, width: 10, height: 10 };
  return [[], 'box', 5, { 'red circle': 5 }, { 'red circle': { ...box, x: -1 } }, { 'red circle': { x: 0 } }, { 'red circle': { ...box, width: 1e39 } }, { 'red circle': { ...box, depth: 1 } }, { '': box }];
}

const badSizes: Json[] = [[0.001], [5], [49], [1e39], [-14], [], 'ten', 14, [null], ['14'], Array(LIMITS.sizes.count + 1).fill(14)];
const badSceneObjects: Json[] = ['red circle', ['red circle'], ['red circle', 'mauve blob'], ['red circle', 'blue'], [5, 6], ['red circle', ''], Array(LIMITS.objects.max + 1).fill('red circle'), null, {}];

// ---- cases: each method's valid base with one field made hostile ----------------------------------

interface Case {
  method: string;
  params: Json;
  label: string;
}

/** Whole params that are not an object (an empty list arrives as no params, which loadModel takes as "the default model"). */
const NOT_OBJECTS: Json[] = [[1, 2], 'params', 5];

function casesFor(method: string, base: Record<string, Json>, fields: Record<string, Json[]>): Case[] {
  const out: Case[] = [];
  for (const [field, values] of Object.entries(fields)) {
    for (const value of values) out.push({ method, params: { ...base, [field]: value }, label: `${field} = ${JSON.stringify(value)?.slice(0, 60)}` });
  }
  for (const extra of [{ batchSize: 3 }, { Question: 'q' }, { constructor: 1 }, { workdoneToken: 'x' }]) out.push({ method, params: { ...base, ...extra }, label: `unknown key ${Object.keys(extra)[0]}` });
  for (const whole of method === 'spatialIds/loadModel' ? NOT_OBJECTS : [[], ...NOT_OBJECTS]) out.push({ method, params: whole, label: `params = ${JSON.stringify(whole)}` });
  return out;
}

function allCases(): Case[] {
  const media = { image: scene.file };
  const question = scene.question;
  const single = { media, question, object: scene.objects[0], targetCell: 1 };
  const missing = (base: Record<string, Json>, ...keys: string[]) => Object.fromEntries(Object.entries(base).filter(([k]) => !keys.includes(k)));
  const deriveFields = { out: badPaths, overwrite: badBools, objects: badSceneObjects, seed: badInts(LIMITS.seed.min, LIMITS.seed.max), baseline: [5, '', true, [], {}, 'a\u0000b'], model: badPaths };
  return [
    ...casesFor('spatialIds/loadModel', {}, { dir: badPaths, threads: badInts(LIMITS.threads.min, LIMITS.threads.max), executionProviders: ['cpu', [], [5], [''], Array(LIMITS.providers + 1).fill('cpu'), {}] }),
    ...casesFor('spatialIds/forward', { media, question }, {
      media: badMedia(),
      question: badQuestions(),
      // [] is not hostile for forward: it asks for no answer words (the generated answer alone)
      answers: badWordLists.filter((v) => !(Array.isArray(v) && v.length === 0)),
      capture: badCaptures(),
      interventions: badInterventions(),
      maxNewTokens: badInts(LIMITS.maxNewTokens.min, LIMITS.maxNewTokens.max),
      model: badPaths,
    }),
    { method: 'spatialIds/forward', params: missing({ media, question }, 'media'), label: 'no media' },
    { method: 'spatialIds/forward', params: missing({ media, question }, 'question'), label: 'no question' },
    ...casesFor('spatialIds/deriveIds', {}, { ...deriveFields, grid: badInts(LIMITS.grid.min, LIMITS.grid.max), sizes: badSizes, frames: [8] }),
    ...casesFor('spatialIds/deriveTids', {}, { ...deriveFields, frames: badInts(LIMITS.frames.min, LIMITS.frames.max), grid: [4], sizes: [[14]] }),
    ...casesFor('spatialIds/probe', { media, question }, {
      media: badMedia(),
      question: badQuestions(),
      bank: badPaths,
      objects: badWordLists,
      boxes: badBoxes(),
      interventions: badInterventions(),
      model: badPaths,
    }),
    { method: 'spatialIds/probe', params: { question }, label: 'no media' },
    ...casesFor('spatialIds/steer', { batch: 2 }, {
      batch: badInts(LIMITS.batch.min, LIMITS.batch.max),
      relation: badRelations,
      bands: [[], [[]], [[-1]], 'all', [3], [[7]], [[99]], [[1.5]], [[0]], [[2], [0, 1]], Array(LIMITS.bands.count + 1).fill([1])],
      layers: badLayerLists,
      factor: badReals(LIMITS.factor.min, LIMITS.factor.max),
      seed: badInts(LIMITS.seed.min, LIMITS.seed.max),
      opposite: badBools,
      bank: badPaths,
      media: [media],
      question: [question],
      object: [scene.objects[0]],
      targetCell: [1],
    }),
    ...casesFor('spatialIds/steer', single, {
      media: badMedia(),
      question: badQuestions(),
      object: [5, '', null, [], 'x'.repeat(LIMITS.wordChars + 1)],
      targetCell: badInts(LIMITS.targetCell.min, LIMITS.targetCell.max),
      layers: badLayerLists,
      opposite: badBools,
      relation: ['leftRight'],
      bands: [[[2]]],
    }),
    ...['media', 'question', 'object', 'targetCell'].map((k) => ({ method: 'spatialIds/steer', params: missing(single, k), label: `single input without ${k}` })),
    ...casesFor('spatialIds/sweepPatches', { batch: 2 }, { batch: badInts(LIMITS.batch.min, LIMITS.batch.max), relation: badRelations, seed: badInts(LIMITS.seed.min, LIMITS.seed.max), media: [media], question: [question] }),
    ...casesFor('spatialIds/sweepPatches', { media, question }, { media: badMedia(), question: badQuestions(), relation: ['leftRight'] }),
    { method: 'spatialIds/sweepPatches', params: { media }, label: 'media without question' },
    ...casesFor('spatialIds/videoFrames', { video: scene.file }, { video: [...badPaths, { video: scene.file }], model: badPaths }),
    { method: 'spatialIds/videoFrames', params: {}, label: 'no video' },
  ];
}

// ---- the run ---------------------------------------------------------------------------------------

type Outcome = 'refused' | 'internal' | 'uncoded' | 'accepted' | 'hang';

async function send(c: Case): Promise<{ outcome: Outcome; code?: number; message?: string }> {
  const cancel = new CancellationTokenSource();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), CASE_TIMEOUT_MS)));
  try {
    const answer = await Promise.race([server.connection.sendRequest(c.method, c.params, cancel.token).then(() => 'accepted' as const), timeout]);
    if (answer === 'hang') cancel.cancel();
    return { outcome: answer };
  } catch (e) {
    const { code, message } = e as { code: number; message: string };
    return { outcome: CODED.has(code) ? 'refused' : code === ErrorCodes.internal ? 'internal' : 'uncoded', code, message };
  } finally {
    clearTimeout(timer);
    cancel.dispose();
  }
}

const goodForward = () => server.connection.sendRequest(forwardRequest, { media: { image: scene.file }, question: scene.question });

function sameAnswer(got: ForwardResult, known: ForwardResult): void {
  assert.equal(got.answer, known.answer);
  for (const [word, lp] of Object.entries(known.logprobs)) assert.ok(Math.abs(got.logprobs[word] - lp) <= 1e-5, `${word}: ${got.logprobs[word]} vs ${lp}`);
}

test('hostile params for every method are refused with coded errors before any work; the server keeps answering', { skip, timeout: 300_000 }, async () => {
  const known = await goodForward();
  assert.equal(known.answer, scene.answer, "the bundled model's answer to the fixture scene");
  const cases = allCases();
  const counts: Record<Outcome, number> = { refused: 0, internal: 0, uncoded: 0, accepted: 0, hang: 0 };
  const failures: string[] = [];
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    const r = await send(c);
    counts[r.outcome]++;
    if (r.outcome !== 'refused') failures.push(`${c.method} ${c.label}: ${r.outcome}${r.code !== undefined ? ` (${r.code}) ${r.message}` : ''}`);
    else assert.ok(r.message && r.message.length > 20 && !/\n\s+at /.test(r.message), `${c.method} ${c.label}: a clear one-line message, no stack (${r.message})`);
    assert.equal(server.child.exitCode, null, `the server still runs after ${c.method} ${c.label}`);
    if ((i + 1) % BATCH === 0 || i === cases.length - 1) {
      sameAnswer(await goodForward(), known);
      assert.equal((await server.connection.sendRequest(modelInfoRequest))?.dir, BUNDLED_MODEL, 'the loaded model is unchanged');
    }
  }
  const methods = new Set(cases.map((c) => c.method)).size;
  console.log(`hostile params: ${cases.length} cases over ${methods} methods, ${counts.refused} refused with coded errors, ${counts.internal} internal, ${counts.uncoded} uncoded, ${counts.accepted} accepted, ${counts.hang} hangs`);
  assert.deepEqual(failures, [], failures.join('\n'));
  assert.equal(counts.refused, cases.length);
});

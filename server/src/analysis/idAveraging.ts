import type { ModelRunner, RunMedia } from '../run/modelRunner';
import { AnalysisContext, badAnalysisRequest, checkCancelled, progressReporter } from './analysisContext';
import { ObjectIdentity, objectWord, parseObjectWord } from './objectWords';
import { BankMeta, IdBank } from './idBank';
import { universalIds } from './math/spatialIds';

/**
 * The averaging shared by spatial and temporal ID derivation (METHOD.md 1.2-1.4 and 5): run each
 * item, record the residual at its subject's token at every layer, average per (pair, bank row),
 * centre per pair, average over pairs.
 */

export interface IdItem {
  pair: number;
  /** The bank row the item's subject stands for (cell x size, or frame). */
  row: number;
  question: string;
  subject: string;
}

/**
 * A plan's bank metadata. `canvas` (the picture size the scenes were drawn at) travels into the
 * saved bank's metadata JSON; banks without it were drawn on the 96-px canvas.
 */
export type PlannedMeta = Omit<BankMeta, 'model' | 'decoderHash' | 'numLayers' | 'hiddenSize'> & { canvas?: { width: number; height: number } };

/** Bank rows a plan may have (cells x sizes, or frames): far above any sane grid, far below what would exhaust memory. */
export const MAX_BANK_ROWS = 4096;
/** Ordered object pairs a plan may average over (32 objects). */
export const MAX_PAIRS = 32 * 31;
/** Memory the per-pair sums may take (float64, pairs x layers x rows x hidden). */
export const MAX_ACCUMULATOR_BYTES = 512 * 1024 ** 2;

/** Refuses a plan of more bank rows than MAX_BANK_ROWS, before anything of its size is made. */
export function checkPlanSize(rows: number, what: string, fix: string): void {
  if (!(rows <= MAX_BANK_ROWS)) throw badAnalysisRequest(`${what} makes ${rows} ID bank rows; at most ${MAX_BANK_ROWS} are derived: ${fix}.`);
}

/** The plan's objects, parsed: at least two different ones, and few enough that their ordered pairs stay within MAX_PAIRS. */
export function planObjects(words: readonly string[]): ObjectIdentity[] {
  if (!Array.isArray(words)) throw badAnalysisRequest(`objects must be a list of "<colour> <shape>" words, e.g. ["red circle", "blue square"] (got ${JSON.stringify(words)}).`);
  const n = words.length;
  if (n * (n - 1) > MAX_PAIRS) throw badAnalysisRequest(`${n} objects make ${n * (n - 1)} ordered pairs; at most ${MAX_PAIRS} are averaged over: name at most 32 objects.`);
  const objects = words.map(parseObjectWord);
  if (new Set(objects.map(objectWord)).size < 2) throw badAnalysisRequest('Name at least two different objects to average the IDs over.');
  return objects;
}

/**
 * Runs `count` items, consumed one at a time from `items` (a lazy plan), making each one's media
 * with `mediaOf` only when it is reached, and averages into a bank.
 */
export async function averageIds<T extends IdItem>(
  runner: ModelRunner,
  meta: PlannedMeta,
  items: Iterable<T>,
  count: number,
  mediaOf: (item: T) => Promise<RunMedia>,
  label: string,
  ctx: AnalysisContext = {},
): Promise<IdBank> {
  const L = runner.numLayers;
  const H = runner.hiddenSize;
  const numRows = meta.rows.length;
  const bytes = meta.pairs.length * (L + 1) * numRows * H * 8;
  if (bytes > MAX_ACCUMULATOR_BYTES) {
    throw badAnalysisRequest(`Averaging ${meta.pairs.length} object pairs over ${numRows} bank rows at ${L + 1} layers of ${H} values needs ${(bytes / 1024 ** 3).toFixed(1)} GiB: name fewer objects, sizes or cells.`);
  }
  // sums[pair][layer][row], counts[pair][row]: a row may be visited several times per pair
  const sums = meta.pairs.map(() => Array.from({ length: L + 1 }, () => Array.from({ length: numRows }, () => new Float64Array(H))));
  const counts = meta.pairs.map(() => new Array<number>(numRows).fill(0));
  const tick = progressReporter(ctx, label, count);
  let k = 0;
  for (const it of items) {
    tick(k++);
    const media = await mediaOf(it);
    checkCancelled(ctx);
    const out = await runner.forward({ media, question: it.question, answers: [], capture: { layers: 'all', positions: { words: [it.subject] } }, maxNewTokens: 0 });
    for (let l = 0; l <= L; l++) {
      const v = [...out.hidden.get(l)!.values()][0];
      const s = sums[it.pair][l][it.row];
      for (let i = 0; i < H; i++) s[i] += v[i];
    }
    counts[it.pair][it.row]++;
  }
  const universal: Float32Array[][] = [];
  const centre: Float32Array[] = [];
  for (let l = 0; l <= L; l++) {
    const u = universalIds(sums.map((p, pi) => p[l].map((s, r) => Float32Array.from(s, (v) => v / counts[pi][r]))));
    universal.push(u.ids);
    centre.push(u.centre);
  }
  const info = runner.info();
  return { meta: { ...meta, model: info.dir, decoderHash: info.decoderHash, numLayers: L, hiddenSize: H }, universal, centre };
}

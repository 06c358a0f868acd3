import { performance } from 'node:perf_hooks';
import type { ModelRunner } from '../run/modelRunner';
import type { Tally } from './evaluateModel';
import {
  BACKGROUND_NAMES, BackgroundName, CANVASES, INDEPENDENT_RELATIONS, IndependentPicture, IndependentRelation,
  LIGHTNESS_BANDS, LightnessBand, drawIndependentPicture, renderIndependentPicture,
} from './independentPictures';

/**
 * The model's answers on the independent test set (independentPictures.ts): pictures the scene
 * engine did not draw, asked in the model's own question wording, answered by greedy decoding
 * through ModelRunner.forward from decoded pixels, so its preprocessor resizes each canvas as it
 * would a user's file. Tallied per relation, per background lightness band and per
 * background and canvas, each with its n.
 */

/** Two full crossings of background x canvas x relation x answer (96 each): about 5 s on the bundled model. */
export const DEFAULT_INDEPENDENT_PICTURES = 192;
const RENDER_BATCH = 16;
const MAX_NEW_TOKENS = 8;

export interface IndependentOptions {
  pictures: number;
  seed: number;
  onProgress?: (message: string) => void;
}

export interface IndependentReport {
  renderer: string;
  seed: number;
  pictures: number;
  overall: Tally;
  relations: Record<IndependentRelation, Tally & { perAnswer: Record<string, Tally> }>;
  /** Background lightness (CIE L*): light >= 70, mid 35-70, dark < 35; each band also per relation. */
  bands: Record<LightnessBand, Tally & { relations: Record<IndependentRelation, Tally> }>;
  backgrounds: Record<BackgroundName, Tally>;
  /** Keyed by canvas, e.g. "180x120". */
  canvases: Record<string, Tally>;
  seconds: number;
}

class Counts {
  private readonly map = new Map<string, { right: number; total: number }>();

  add(keys: string[], correct: boolean): void {
    for (const key of keys) {
      const c = this.map.get(key) ?? { right: 0, total: 0 };
      c.total++;
      if (correct) c.right++;
      this.map.set(key, c);
    }
  }

  tally(key: string): Tally {
    const c = this.map.get(key);
    return { n: c?.total ?? 0, accuracy: c && c.total ? c.right / c.total : 0 };
  }
}

const keysOf = (p: IndependentPicture) => [
  'all', p.relation, `${p.relation}/${p.answer}`, `band/${p.background.band}`, `band/${p.background.band}/${p.relation}`,
  `bg/${p.background.name}`, `canvas/${p.width}x${p.height}`,
];

const record = <K extends string, V>(keys: readonly K[], value: (k: K) => V) => Object.fromEntries(keys.map((k) => [k, value(k)])) as Record<K, V>;

export async function evaluateIndependent(runner: ModelRunner, opts: IndependentOptions): Promise<IndependentReport> {
  const started = performance.now();
  const counts = new Counts();
  for (let start = 0; start < opts.pictures; start += RENDER_BATCH) {
    const batch = Array.from({ length: Math.min(RENDER_BATCH, opts.pictures - start) }, (_, k) => drawIndependentPicture(opts.seed, start + k));
    // sharp renders the batch on its own threads; the model then answers one picture at a time
    const images = await Promise.all(batch.map((p) => renderIndependentPicture(p)));
    for (let k = 0; k < batch.length; k++) {
      const run = await runner.forward({ media: { pixels: images[k] }, question: batch[k].question, maxNewTokens: MAX_NEW_TOKENS });
      counts.add(keysOf(batch[k]), run.answer === batch[k].answer);
    }
    opts.onProgress?.(`independent set: ${start + batch.length} of ${opts.pictures} pictures answered`);
  }
  const perAnswer = (r: IndependentRelation) => (r === 'leftRight' ? ['left', 'right'] : ['above', 'below']);
  return {
    renderer: 'plain SVG written in server/src/eval/independentPictures.ts, rasterised by sharp at the canvas size',
    seed: opts.seed,
    pictures: opts.pictures,
    overall: counts.tally('all'),
    relations: record(INDEPENDENT_RELATIONS, (r) => ({ ...counts.tally(r), perAnswer: record(perAnswer(r), (w) => counts.tally(`${r}/${w}`)) })),
    bands: record(LIGHTNESS_BANDS, (b) => ({ ...counts.tally(`band/${b}`), relations: record(INDEPENDENT_RELATIONS, (r) => counts.tally(`band/${b}/${r}`)) })),
    backgrounds: record(BACKGROUND_NAMES, (b) => counts.tally(`bg/${b}`)),
    canvases: record(CANVASES.map(([w, h]) => `${w}x${h}`), (c) => counts.tally(`canvas/${c}`)),
    seconds: (performance.now() - started) / 1000,
  };
}

const pct = (t: Tally) => (t.n ? `${t.accuracy.toFixed(3)} (n=${t.n})` : 'n=0');

/** Lines for a person: the set's accuracy per relation, per lightness band (and per relation in it), per background and canvas. */
export function independentSummary(r: IndependentReport): string[] {
  const list = (entries: Record<string, Tally>) => Object.entries(entries).map(([k, t]) => `${k} ${pct(t)}`).join(', ');
  return [
    `independent set (${r.pictures} SVG pictures not drawn by the scene engine, seed ${r.seed}): overall ${pct(r.overall)}`,
    `  per relation: ${Object.entries(r.relations).map(([k, t]) => `${k} ${pct(t)} [${list(t.perAnswer)}]`).join(', ')}`,
    ...LIGHTNESS_BANDS.map((b) => `  ${b} backgrounds: ${pct(r.bands[b])}; ${list(r.bands[b].relations)}`),
    `  per background: ${list(r.backgrounds)}`,
    `  per canvas: ${list(r.canvases)}`,
  ];
}

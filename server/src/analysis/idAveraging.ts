import type { ModelRunner, RunMedia } from '../run/modelRunner';
import { AnalysisContext, progressReporter } from './analysisContext';
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

export type PlannedMeta = Omit<BankMeta, 'model' | 'decoderHash' | 'numLayers' | 'hiddenSize'>;

export async function averageIds(runner: ModelRunner, meta: PlannedMeta, items: readonly IdItem[], mediaOf: (k: number) => RunMedia, label: string, ctx: AnalysisContext = {}): Promise<IdBank> {
  const L = runner.numLayers;
  const H = runner.hiddenSize;
  const numRows = meta.rows.length;
  // sums[pair][layer][row], counts[pair][row]: a row may be visited several times per pair
  const sums = meta.pairs.map(() => Array.from({ length: L + 1 }, () => Array.from({ length: numRows }, () => new Float64Array(H))));
  const counts = meta.pairs.map(() => new Array<number>(numRows).fill(0));
  const tick = progressReporter(ctx, label, items.length);
  for (let k = 0; k < items.length; k++) {
    tick(k);
    const it = items[k];
    const out = await runner.forward({ media: mediaOf(k), question: it.question, answers: [], capture: { layers: 'all', positions: { words: [it.subject] } }, maxNewTokens: 0 });
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

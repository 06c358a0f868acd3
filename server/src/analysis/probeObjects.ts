import type { ProbeObject, ProbeResult } from '../../../protocol/requests';
import type { ModelRunner, RunIntervention, RunMedia } from '../run/modelRunner';
import { CANVAS_SIZE } from '../scenes/vocabulary';
import { badAnalysisRequest } from './analysisContext';
import { IdBank, bankCells, cellIds } from './idBank';
import { cosine } from './math/vectorOps';
import { objectsInQuestion } from './objectWords';

/**
 * Reading IDs on a new input (METHOD.md 2): per layer and named object, the object token's
 * state minus the bank's centre, compared by cosine with every cell's universal ID: a heatmap
 * over the grid, its argmax, and, given the object's true box, the distance between the read
 * state and the ground-truth ID (bilinear in the four nearest cell IDs at the box centre).
 */

export interface ProbeRequest {
  media: RunMedia;
  question: string;
  objects?: string[];
  /** Ground-truth boxes in pixels of the model's input image. */
  boxes?: Record<string, { x: number; y: number; width: number; height: number }>;
  interventions?: readonly RunIntervention[];
  /** Side of the input image in pixels, for boxes (default: the scene canvas). */
  imageSize?: number;
}

/** The ID expected at a point (in cell units, cell centres at k + 0.5): bilinear in the four nearest cells. */
export function interpolatedId(ids: readonly Float32Array[], grid: number, cx: number, cy: number): Float32Array {
  const gx = Math.min(grid - 1, Math.max(0, cx - 0.5));
  const gy = Math.min(grid - 1, Math.max(0, cy - 0.5));
  const x0 = Math.floor(gx);
  const y0 = Math.floor(gy);
  const x1 = Math.min(grid - 1, x0 + 1);
  const y1 = Math.min(grid - 1, y0 + 1);
  const tx = gx - x0;
  const ty = gy - y0;
  const at = (x: number, y: number) => ids[y * grid + x];
  const out = new Float32Array(ids[0].length);
  for (let i = 0; i < out.length; i++) {
    const top = at(x0, y0)[i] * (1 - tx) + at(x1, y0)[i] * tx;
    const bottom = at(x0, y1)[i] * (1 - tx) + at(x1, y1)[i] * tx;
    out[i] = top * (1 - ty) + bottom * ty;
  }
  return out;
}

export async function probeObjects(runner: ModelRunner, bank: IdBank, req: ProbeRequest): Promise<ProbeResult> {
  const objects = req.objects?.length ? req.objects : objectsInQuestion(req.question);
  if (!objects.length) throw badAnalysisRequest(`The question names no object ("<colour> <shape>"): name the objects to read with "objects".`);
  const L = runner.numLayers;
  const out = await runner.forward({
    media: req.media,
    question: req.question,
    capture: { layers: 'all', positions: { words: objects } },
    interventions: req.interventions,
    maxNewTokens: 8,
  });
  const grid = bank.meta.grid;
  const perLayerIds = Array.from({ length: L + 1 }, (_, l) => cellIds(bank, l));
  const probed: ProbeObject[] = objects.map((object) => {
    const position = runner.wordPosition(out.prompt, object, req.question);
    const similarity: number[][] = [];
    const argmax: number[] = [];
    const deviation: number[] = [];
    const box = req.boxes?.[object];
    for (let l = 0; l <= L; l++) {
      const h = out.hidden.get(l)!.get(position)!;
      const centred = h.map((v, i) => v - bank.centre[l][i]);
      const sims = perLayerIds[l].map((id) => {
        const c = cosine(centred, id);
        return Number.isFinite(c) ? c : 0;
      });
      similarity.push(sims);
      argmax.push(sims.reduce((best, v, k) => (v > sims[best] ? k : best), 0));
      if (box && bank.meta.kind === 'spatial') {
        const cell = (req.imageSize ?? CANVAS_SIZE) / grid;
        const truth = interpolatedId(perLayerIds[l], grid, (box.x + box.width / 2) / cell, (box.y + box.height / 2) / cell);
        deviation.push(Math.hypot(...centred.map((v, i) => v - truth[i])));
      }
    }
    return { object, position, similarity, argmax, ...(box ? { deviation } : {}) };
  });
  return { answer: out.answer, logprobs: out.logprobs, cells: bankCells(bank.meta), objects: probed };
}

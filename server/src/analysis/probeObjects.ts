import type { NormalisedBox, ProbeObject, ProbeResult } from '../../../protocol/requests';
import type { ModelRunner, RunIntervention, RunMedia } from '../run/modelRunner';
import { badAnalysisRequest } from './analysisContext';
import { IdBank, bankCells, cellIds } from './idBank';
import { cosine } from './math/vectorOps';
import { objectsInQuestion } from './objectWords';
import { boxCentreOnGrid, probeDomain, visibleRegion } from './probeBoxes';

/**
 * Reading IDs on a new input (METHOD.md 2): per layer and named object, the object token's
 * state minus the bank's centre, compared by cosine with every cell's universal ID: a heatmap
 * over the grid, its argmax, and, given the object's true box (drawn on the picture, normalised),
 * the distance between the read state and the ground-truth ID (bilinear in the four nearest cell
 * IDs at the box centre). Objects are named freely ("dog", "traffic light"): any words of the question.
 */

export interface ProbeRequest {
  media: RunMedia;
  question: string;
  objects?: string[];
  /** Ground-truth boxes normalised to the picture (0..1 of its width and height). */
  boxes?: Record<string, NormalisedBox>;
  interventions?: readonly RunIntervention[];
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

/** A picture decoded once (its size for the domain and the boxes), and the media the run reads. */
async function pictureOf(runner: ModelRunner, media: RunMedia): Promise<{ media: RunMedia; size: { width: number; height: number } | null }> {
  if ('image' in media) {
    const decoded = await runner.decodeMedia(media);
    if ('pixels' in decoded) return { media: { pixels: decoded.pixels }, size: { width: decoded.pixels.width, height: decoded.pixels.height } };
  }
  if ('pixels' in media) return { media, size: { width: media.pixels.width, height: media.pixels.height } };
  return { media, size: null };
}

export async function probeObjects(runner: ModelRunner, bank: IdBank, req: ProbeRequest): Promise<ProbeResult> {
  const objects = req.objects?.length ? req.objects : objectsInQuestion(req.question);
  if (!objects.length) throw badAnalysisRequest(`Name the objects to read with "objects" (any words of the question, e.g. ["dog", "red car"]): the question names no "<colour> <shape>" to take by default.`);
  const boxed = Object.keys(req.boxes ?? {});
  const stray = boxed.filter((o) => !objects.includes(o));
  if (stray.length) throw badAnalysisRequest(`Boxes are given for ${stray.map((o) => `"${o}"`).join(', ')}, which ${stray.length === 1 ? 'is' : 'are'} not among the objects read (${objects.map((o) => `"${o}"`).join(', ')}).`);
  if (boxed.length && bank.meta.kind !== 'spatial') throw badAnalysisRequest('Boxes give the ground truth of spatial IDs: this bank holds temporal IDs (a clip), which boxes do not place.');
  const picture = await pictureOf(runner, req.media);
  const region = picture.size ? visibleRegion(runner.model.folder.preprocessor, picture.size.width, picture.size.height) : { x: 0, y: 0, width: 1, height: 1 };
  if (boxed.length && !picture.size) throw badAnalysisRequest('Boxes need a picture ({"image": file}) to be placed on.');
  const L = runner.numLayers;
  const out = await runner.forward({
    media: picture.media,
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
    const centre = box ? boxCentreOnGrid(object, box, region, grid) : null;
    for (let l = 0; l <= L; l++) {
      const h = out.hidden.get(l)!.get(position)!;
      const centred = h.map((v, i) => v - bank.centre[l][i]);
      const sims = perLayerIds[l].map((id) => {
        const c = cosine(centred, id);
        return Number.isFinite(c) ? c : 0;
      });
      similarity.push(sims);
      argmax.push(sims.reduce((best, v, k) => (v > sims[best] ? k : best), 0));
      if (centre) {
        const truth = interpolatedId(perLayerIds[l], grid, centre.cx, centre.cy);
        deviation.push(Math.hypot(...centred.map((v, i) => v - truth[i])));
      }
    }
    return { object, position, similarity, argmax, ...(box ? { deviation, box } : {}) };
  });
  const domain = probeDomain(bank.meta, picture.size && { ...picture.size, region });
  return { answer: out.answer, logprobs: out.logprobs, cells: bankCells(bank.meta), objects: probed, domain };
}

import type { ModelRunner } from '../run/modelRunner';
import { RgbImage, renderClip } from '../scenes/renderScene';
import { Clip, DEFAULT_BACKGROUND } from '../scenes/scene';
import { TEMPLATES } from '../scenes/questions';
import { CANVAS_SIZE, CELL_SIZE, DEFAULT_FRAMES, GRID_SIZE } from '../scenes/vocabulary';
import { AnalysisContext, badAnalysisRequest, progressReporter } from './analysisContext';
import type { IdBank } from './idBank';
import { IdItem, PlannedMeta, averageIds } from './idAveraging';
import { DEFAULT_ID_OBJECTS, ObjectIdentity, objectWord, orderedPairs, parseObjectWord } from './objectWords';

/**
 * Temporal ID derivation (METHOD.md 5): clips in which X appears at frame i and Y at frame j,
 * asked "Does the X appear before or after the Y?"; the residual at X's token per frame i,
 * averaged over the frames j of Y, centred per pair and averaged over pairs. One bank row per
 * frame (x = frame, y = 0). Objects sit in fixed cells (X top-left quadrant, Y bottom-right)
 * so that only time varies.
 */

export interface TemporalDeriveOptions {
  objects?: string[];
  frames?: number;
  seed?: number;
}

/** X's bank row: the frame it appears at. */
export interface ClipItem extends IdItem {
  clip: Clip;
}

export interface TemporalPlan {
  meta: PlannedMeta;
  items: ClipItem[];
}

/** Y's frames for X at frame i: three offsets spread over the clip, so X is before and after Y about equally. */
function otherFrames(i: number, n: number): number[] {
  return [1, Math.floor(n / 2), n - 1].map((k) => (i + k) % n).filter((j, idx, all) => j !== i && all.indexOf(j) === idx);
}

export function planTemporalIds(opts: TemporalDeriveOptions = {}): TemporalPlan {
  const n = opts.frames ?? DEFAULT_FRAMES;
  if (!Number.isInteger(n) || n < 2) throw badAnalysisRequest(`A clip needs at least 2 frames (got ${n}).`);
  const objects: ObjectIdentity[] = (opts.objects ?? DEFAULT_ID_OBJECTS).map(parseObjectWord);
  const pairs = orderedPairs(objects);
  const at = (col: number, row: number) => ({ x: Math.round((col + 0.5) * CELL_SIZE), y: Math.round((row + 0.5) * CELL_SIZE) });
  const size = Math.round(CELL_SIZE * 0.75);
  const items: ClipItem[] = [];
  pairs.forEach(([a, b], pair) => {
    for (let i = 0; i < n; i++) {
      for (const j of otherFrames(i, n)) {
        const scene = {
          width: CANVAS_SIZE,
          height: CANVAS_SIZE,
          background: DEFAULT_BACKGROUND,
          objects: [{ ...a, ...at(1, 1), size }, { ...b, ...at(GRID_SIZE - 2, GRID_SIZE - 1), size }],
          oneObjectPerCell: true,
        };
        items.push({ pair, row: i, clip: { scene, numFrames: n, appearFrame: [i, j] }, question: TEMPLATES.beforeAfter(objectWord(a), objectWord(b)), subject: objectWord(a) });
      }
    }
  });
  return {
    meta: {
      format: 'spatial-id-lens/id-bank@1',
      kind: 'temporal',
      grid: n,
      sizes: [0],
      rows: Array.from({ length: n }, (_, f) => ({ x: f, y: 0, s: 0 })),
      pairs: pairs.map(([a, b]) => [objectWord(a), objectWord(b)]),
      questionTemplate: TEMPLATES.beforeAfter('{X}', '{Y}'),
      seed: opts.seed ?? 0,
    },
    items,
  };
}

export async function renderClips(items: readonly { clip: Clip }[], ctx: AnalysisContext = {}): Promise<RgbImage[][]> {
  const tick = progressReporter(ctx, 'rendering clips', items.length);
  const out: RgbImage[][] = [];
  for (const it of items) {
    tick(out.length);
    out.push(await renderClip(it.clip));
  }
  return out;
}

export async function deriveTemporalIds(runner: ModelRunner, plan: TemporalPlan, clips: readonly RgbImage[][], ctx: AnalysisContext = {}): Promise<IdBank> {
  const frames = runner.model.folder.processor.num_frames;
  if (!frames) throw badAnalysisRequest(`${runner.info().dir} takes no video (processor_config.json has no "num_frames"): temporal IDs need a video model.`);
  if (frames !== plan.meta.grid) throw badAnalysisRequest(`This model takes ${frames}-frame clips; the plan has ${plan.meta.grid} frames: derive with frames = ${frames}.`);
  return averageIds(runner, plan.meta, plan.items, (k) => ({ frames: clips[k] }), 'deriving temporal IDs', ctx);
}

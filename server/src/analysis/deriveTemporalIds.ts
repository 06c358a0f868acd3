import type { ModelRunner } from '../run/modelRunner';
import { renderClip } from '../scenes/renderScene';
import { Clip, DEFAULT_BACKGROUND } from '../scenes/scene';
import { TEMPLATES } from '../scenes/questions';
import { CANVAS_SIZE, CELL_SIZE, DEFAULT_FRAMES, GRID_SIZE } from '../scenes/vocabulary';
import { AnalysisContext, badAnalysisRequest } from './analysisContext';
import type { IdBank } from './idBank';
import { IdItem, PlannedMeta, averageIds, checkPlanSize, planObjects } from './idAveraging';
import { DEFAULT_ID_OBJECTS, objectWord, orderedPairs } from './objectWords';

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
  /** How many items `items()` yields. */
  count: number;
  /** The items in their fixed order, made one at a time. */
  items(): Generator<ClipItem>;
}

/** Y's frames for X at frame i: three offsets spread over the clip, so X is before and after Y about equally. */
function otherFrames(i: number, n: number): number[] {
  return [1, Math.floor(n / 2), n - 1].map((k) => (i + k) % n).filter((j, idx, all) => j !== i && all.indexOf(j) === idx);
}

export function planTemporalIds(opts: TemporalDeriveOptions = {}): TemporalPlan {
  const n = opts.frames ?? DEFAULT_FRAMES;
  if (!Number.isInteger(n) || n < 2) throw badAnalysisRequest(`A clip needs at least 2 frames (got ${n}).`);
  checkPlanSize(n, `A clip of ${n} frames`, "derive with the model's frame count");
  const objects = planObjects(opts.objects ?? DEFAULT_ID_OBJECTS);
  const pairs = orderedPairs(objects);
  const at = (col: number, row: number) => ({ x: Math.round((col + 0.5) * CELL_SIZE), y: Math.round((row + 0.5) * CELL_SIZE) });
  const size = Math.round(CELL_SIZE * 0.75);
  function* items(): Generator<ClipItem> {
    for (let pair = 0; pair < pairs.length; pair++) {
      const [a, b] = pairs[pair];
      for (let i = 0; i < n; i++) {
        for (const j of otherFrames(i, n)) {
          const scene = {
            width: CANVAS_SIZE,
            height: CANVAS_SIZE,
            background: DEFAULT_BACKGROUND,
            objects: [{ ...a, ...at(1, 1), size }, { ...b, ...at(GRID_SIZE - 2, GRID_SIZE - 1), size }],
            oneObjectPerCell: true,
          };
          yield { pair, row: i, clip: { scene, numFrames: n, appearFrame: [i, j] }, question: TEMPLATES.beforeAfter(objectWord(a), objectWord(b)), subject: objectWord(a) };
        }
      }
    }
  }
  let perPair = 0;
  for (let i = 0; i < n; i++) perPair += otherFrames(i, n).length;
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
    count: pairs.length * perPair,
    items,
  };
}

/** The model's clip length, checked against what a plan asks for (before any plan is made). */
export function checkClipFrames(runner: ModelRunner, frames: number | undefined): number {
  const modelFrames = runner.model.folder.processor.num_frames;
  if (!modelFrames) throw badAnalysisRequest(`${runner.info().dir} takes no video (processor_config.json has no "num_frames"): temporal IDs need a video model.`);
  if (frames !== undefined && frames !== modelFrames) throw badAnalysisRequest(`This model takes ${modelFrames}-frame clips; the plan has ${frames} frames: derive with frames = ${modelFrames}.`);
  return modelFrames;
}

/** Runs a plan through one model and averages into a temporal ID bank, rendering each clip as it is reached. */
export async function deriveTemporalIds(runner: ModelRunner, plan: TemporalPlan, ctx: AnalysisContext = {}): Promise<IdBank> {
  checkClipFrames(runner, plan.meta.grid);
  return averageIds(runner, plan.meta, plan.items(), plan.count, async (it) => ({ frames: await renderClip(it.clip) }), 'deriving temporal IDs', ctx);
}

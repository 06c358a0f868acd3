import { EVAL_STREAM } from '../eval/evaluateModel';
import { randomClip, randomScene } from '../scenes/generators';
import { SeededRandom } from '../scenes/random';
import { RgbImage, renderClip, renderScene } from '../scenes/renderScene';
import { Clip, Scene, cellOf, objectName } from '../scenes/scene';
import { ANSWER_WORDS, TEMPLATES } from '../scenes/questions';
import { BUNDLED_CANVAS, SceneCanvas, SceneGeometry, sceneGeometry } from '../scenes/sceneGeometry';

/**
 * Held-out inputs for the batch analyses: two-object grid scenes (or clips) drawn from random
 * streams the training export never uses (keys carry bit 31, see evaluateModel.ts; bit 28 keeps
 * them apart from the accuracy evaluation's items too), each with its relation question, the
 * two object words and where (cell or frame) each object truly is. Scenes are drawn on the
 * canvas of the model they are for (default: the bundled model's), with the same random draws
 * whatever the canvas, so item i is the same layout on every model.
 */

const ANALYSIS_STREAM = EVAL_STREAM + 0x10000000;

export type Relation = 'leftRight' | 'aboveBelow' | 'beforeAfter';

export interface RelationItem {
  /** Scenes: the picture; clips: the frames. */
  pixels?: RgbImage;
  frames?: RgbImage[];
  scene: Scene;
  clip?: Clip;
  relation: Relation;
  question: string;
  answers: [string, string];
  /** The correct answer word. */
  truth: string;
  subject: string;
  other: string;
  /** Bank row index of each object: grid cell (row-major) for scenes, appearance frame for clips. */
  subjectCell: number;
  otherCell: number;
}

function sceneItem(rng: SeededRandom, relation: 'leftRight' | 'aboveBelow', numObjects: number, geometry: SceneGeometry): Omit<RelationItem, 'pixels'> {
  for (;;) {
    const scene = randomScene(rng, { numObjects, layout: 'grid', geometry });
    const [a, b] = scene.objects;
    const ca = cellOf(a.x, a.y, scene);
    const cb = cellOf(b.x, b.y, scene);
    const apart = relation === 'leftRight' ? ca.col !== cb.col : ca.row !== cb.row;
    if (!apart) continue; // the relation must have an answer
    const [first, second] = ANSWER_WORDS[relation]!;
    const before = relation === 'leftRight' ? a.x < b.x : a.y < b.y;
    return {
      scene,
      relation,
      question: TEMPLATES[relation](objectName(a), objectName(b)),
      answers: [first, second],
      truth: before ? first : second,
      subject: objectName(a),
      other: objectName(b),
      subjectCell: ca.row * geometry.grid + ca.col,
      otherCell: cb.row * geometry.grid + cb.col,
    };
  }
}

function clipItem(rng: SeededRandom, numObjects: number, geometry: SceneGeometry): Omit<RelationItem, 'frames'> {
  const clip = randomClip(rng, { numObjects, layout: 'grid', geometry });
  const [a, b] = clip.scene.objects;
  const [fa, fb] = clip.appearFrame;
  return {
    scene: clip.scene,
    clip,
    relation: 'beforeAfter',
    question: TEMPLATES.beforeAfter(objectName(a), objectName(b)),
    answers: ['before', 'after'],
    truth: fa < fb ? 'before' : 'after',
    subject: objectName(a),
    other: objectName(b),
    subjectCell: fa,
    otherCell: fb,
  };
}

/**
 * `count` rendered held-out items of one relation, deterministic from `seed`, drawn and rendered
 * one at a time as the consumer asks for them (item i depends only on seed and i), so memory and
 * work grow with the items used, not with `count`. With a distractor, a third object that the
 * question does not name (the patching control recolours it). `canvas`: the model's
 * (scenes/sceneGeometry.ts sceneCanvasOf), so its processor reads the scenes unresized. `grid`:
 * the ID bank's, so the items' cells are the bank's cells (steering targets them).
 */
export async function* heldOutItems(relation: Relation, count: number, seed: number, opts: { distractor?: boolean; canvas?: SceneCanvas; grid?: number } = {}): AsyncGenerator<RelationItem> {
  const numObjects = opts.distractor ? 3 : 2;
  const geometry = sceneGeometry(opts.canvas ?? BUNDLED_CANVAS, opts.grid);
  for (let i = 0; i < count; i++) {
    const rng = SeededRandom.derive(seed, ANALYSIS_STREAM + i);
    if (relation === 'beforeAfter') {
      const item = clipItem(rng, numObjects, geometry);
      yield { ...item, frames: await renderClip(item.clip!) };
    } else {
      const item = sceneItem(rng, relation, numObjects, geometry);
      yield { ...item, pixels: await renderScene(item.scene) };
    }
  }
}

/** The grid held-out scenes are drawn on for a bank: its own (a spatial bank's cells are grid cells); temporal banks keep the default. */
export function gridOf(bank: { meta: { kind: string; grid: number } }): number | undefined {
  return bank.meta.kind === 'spatial' ? bank.meta.grid : undefined;
}

import { Clip, Scene, SceneError } from '../scenes/scene';
import { SeededRandom } from '../scenes/random';
import { randomClip, randomScene } from '../scenes/generators';
import { randomWidenedClip, randomWidenedScene, sceneInFrame } from '../scenes/widenedScenes';
import { CANVAS_SIZE } from '../scenes/vocabulary';
import { QuestionAnswer, aboveBelowQuestion, beforeAfterQuestion, colourQuestion, groundingQuestion, leftRightQuestion } from '../scenes/questions';

/**
 * The distribution the bundled model is trained on and evaluated on (held out by seed):
 * which scenes are drawn and which questions are asked of each.
 */

const SCENE_OBJECT_COUNTS = [1, 2, 2, 2, 3, 3, 3, 4, 4, 4];
const CLIP_OBJECT_COUNTS = [2, 2, 2, 3, 3];
const NOISY_BACKGROUND = 0.25;

export function drawScene(rng: SeededRandom): Scene {
  return randomScene(rng, {
    numObjects: rng.pick(SCENE_OBJECT_COUNTS),
    layout: rng.next() < 0.5 ? 'grid' : 'continuous',
    noisyBackground: NOISY_BACKGROUND,
  });
}

export function drawClip(rng: SeededRandom): Clip {
  return randomClip(rng, {
    numObjects: rng.pick(CLIP_OBJECT_COUNTS),
    layout: rng.next() < 0.5 ? 'grid' : 'continuous',
    noisyBackground: NOISY_BACKGROUND,
  });
}

/**
 * Which scenes the export draws. 'classic': the bundled model's original world (96-px canvas,
 * one dark background or dark noise, exact palette colours, four sizes); everything but the
 * training export keeps it (held-out analysis items, the bench input, derivation scenes).
 * 'widened': scenes/widenedScenes.ts, the training default since issue 17.
 */
export type Distribution = 'widened' | 'classic';
export const DISTRIBUTIONS: readonly Distribution[] = ['widened', 'classic'];
export const TRAINING_DISTRIBUTION: Distribution = 'widened';

export function isDistribution(name: string): name is Distribution {
  return (DISTRIBUTIONS as readonly string[]).includes(name);
}

export function drawWidenedScene(rng: SeededRandom): Scene {
  return randomWidenedScene(rng, { numObjects: rng.pick(SCENE_OBJECT_COUNTS), layout: rng.next() < 0.5 ? 'grid' : 'continuous' });
}

export function drawWidenedClip(rng: SeededRandom): Clip {
  return randomWidenedClip(rng, { numObjects: rng.pick(CLIP_OBJECT_COUNTS), layout: rng.next() < 0.5 ? 'grid' : 'continuous' });
}

/**
 * One picture of a distribution and its questions. `scene` is drawn at its canvas; `frame` is the
 * same scene in the model input's pixels (the canvas resized to CANVAS_SIZE), which the questions
 * are asked of and the export records: for 'classic' the two are one.
 */
export function drawSceneItem(distribution: Distribution, rng: SeededRandom): { scene: Scene; frame: Scene; qs: QuestionAnswer[] } {
  const scene = distribution === 'classic' ? drawScene(rng) : drawWidenedScene(rng);
  const frame = distribution === 'classic' ? scene : sceneInFrame(scene, CANVAS_SIZE, CANVAS_SIZE);
  return { scene, frame, qs: sceneQuestions(rng, frame) };
}

export function drawClipItem(distribution: Distribution, rng: SeededRandom): { clip: Clip; frame: Clip; qs: QuestionAnswer[] } {
  const clip = distribution === 'classic' ? drawClip(rng) : drawWidenedClip(rng);
  const frame = distribution === 'classic' ? clip : { ...clip, scene: sceneInFrame(clip.scene, CANVAS_SIZE, CANVAS_SIZE) };
  return { clip, frame, qs: clipQuestions(rng, frame) };
}

/** Ordered pairs (i, j), i != j, in random order. */
function orderedPairs(rng: SeededRandom, n: number): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) pairs.push([i, j]);
  return rng.shuffle(pairs);
}

/** Up to `limit` questions of one relation, skipping pairs whose answer would be ambiguous. */
function relationQuestions(rng: SeededRandom, n: number, limit: number, ask: (i: number, j: number) => QuestionAnswer): QuestionAnswer[] {
  const out: QuestionAnswer[] = [];
  const usedUnordered = new Set<string>();
  for (const [i, j] of orderedPairs(rng, n)) {
    if (out.length >= limit) break;
    const key = i < j ? `${i},${j}` : `${j},${i}`;
    if (usedUnordered.has(key)) continue; // one order per pair: the order itself is random
    try {
      out.push(ask(i, j));
      usedUnordered.add(key);
    } catch (e) {
      if (!(e instanceof SceneError)) throw e;
    }
  }
  return out;
}

export function sceneQuestions(rng: SeededRandom, scene: Scene): QuestionAnswer[] {
  const n = scene.objects.length;
  const order = rng.shuffle([...Array(n).keys()]);
  const qs: QuestionAnswer[] = order.slice(0, 2).map((i) => groundingQuestion(scene, i));
  const colourable = order.find((i) => scene.objects.filter((o) => o.shape === scene.objects[i].shape).length === 1);
  if (colourable !== undefined) qs.push(colourQuestion(scene, colourable));
  qs.push(...relationQuestions(rng, n, 2, (i, j) => leftRightQuestion(scene, i, j)));
  qs.push(...relationQuestions(rng, n, 2, (i, j) => aboveBelowQuestion(scene, i, j)));
  return qs;
}

/**
 * Per clip: where one object is and the colour of one (what finds an object in a clip, as in a
 * picture), and up to 3 before/after pairs. "When does X appear?" was dropped: it never reached
 * 0.9 within the training budget (model card, trials 17-24).
 */
export function clipQuestions(rng: SeededRandom, clip: Clip): QuestionAnswer[] {
  const { objects } = clip.scene;
  const n = objects.length;
  const qs = [groundingQuestion(clip.scene, rng.int(n))];
  const colourable = rng.shuffle([...Array(n).keys()]).find((i) => objects.filter((o) => o.shape === objects[i].shape).length === 1);
  if (colourable !== undefined) qs.push(colourQuestion(clip.scene, colourable));
  qs.push(...relationQuestions(rng, n, 3, (i, j) => beforeAfterQuestion(clip, i, j)));
  return qs;
}

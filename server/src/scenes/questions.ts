import { Clip, Scene, SceneError, cellOf, objectName } from './scene';
import { CELL_SIZE, COLOUR_NAMES, DEFAULT_FRAMES, GRID_SIZE, SHAPE_NAMES } from './vocabulary';

export type QuestionFamily = 'leftRight' | 'aboveBelow' | 'colour' | 'grounding' | 'beforeAfter';
export const QUESTION_FAMILIES: QuestionFamily[] = ['leftRight', 'aboveBelow', 'colour', 'grounding', 'beforeAfter'];

export interface QuestionAnswer {
  family: QuestionFamily;
  question: string;
  answer: string;
}

/** The two candidate answers of each binary family, in a fixed order. */
export const ANSWER_WORDS: Partial<Record<QuestionFamily, [string, string]>> = {
  leftRight: ['left', 'right'],
  aboveBelow: ['above', 'below'],
  beforeAfter: ['before', 'after'],
};

/** Pairs closer than this (in pixels, along the asked axis) have no clear answer and are refused. */
export const MIN_SEPARATION = CELL_SIZE / 2;

export const TEMPLATES = {
  leftRight: (x: string, y: string) => `Is the ${x} to the left or right of the ${y}?`,
  aboveBelow: (x: string, y: string) => `Is the ${x} above or below the ${y}?`,
  colour: (shape: string) => `What colour is the ${shape}?`,
  grounding: (x: string) => `Where is the ${x}?`,
  beforeAfter: (x: string, y: string) => `Does the ${x} appear before or after the ${y}?`,
};

function objectAt(scene: Scene, i: number) {
  const o = scene.objects[i];
  if (!o) throw new SceneError(`The scene has ${scene.objects.length} objects; object index ${i} does not exist.`);
  return o;
}

function pair(scene: Scene, i: number, j: number) {
  if (i === j) throw new SceneError('A relation needs two different objects.');
  return [objectAt(scene, i), objectAt(scene, j)] as const;
}

export function leftRightQuestion(scene: Scene, i: number, j: number): QuestionAnswer {
  const [a, b] = pair(scene, i, j);
  if (Math.abs(a.x - b.x) < MIN_SEPARATION) throw new SceneError(`The ${objectName(a)} and the ${objectName(b)} are less than ${MIN_SEPARATION} px apart horizontally: left/right is ambiguous.`);
  return { family: 'leftRight', question: TEMPLATES.leftRight(objectName(a), objectName(b)), answer: a.x < b.x ? 'left' : 'right' };
}

export function aboveBelowQuestion(scene: Scene, i: number, j: number): QuestionAnswer {
  const [a, b] = pair(scene, i, j);
  if (Math.abs(a.y - b.y) < MIN_SEPARATION) throw new SceneError(`The ${objectName(a)} and the ${objectName(b)} are less than ${MIN_SEPARATION} px apart vertically: above/below is ambiguous.`);
  return { family: 'aboveBelow', question: TEMPLATES.aboveBelow(objectName(a), objectName(b)), answer: a.y < b.y ? 'above' : 'below' };
}

export function colourQuestion(scene: Scene, i: number): QuestionAnswer {
  const o = objectAt(scene, i);
  if (scene.objects.filter((p) => p.shape === o.shape).length > 1) throw new SceneError(`The scene has several ${o.shape}s: "What colour is the ${o.shape}?" has no single answer.`);
  return { family: 'colour', question: TEMPLATES.colour(o.shape), answer: o.colour };
}

/** Grounding answers name the cell of the object's centre: "row R column C", 1-based, row 1 on top. */
export function groundingQuestion(scene: Scene, i: number): QuestionAnswer {
  const o = objectAt(scene, i);
  const { col, row } = cellOf(o.x, o.y, scene);
  return { family: 'grounding', question: TEMPLATES.grounding(objectName(o)), answer: `row ${row + 1} column ${col + 1}` };
}

export function beforeAfterQuestion(clip: Clip, i: number, j: number): QuestionAnswer {
  const [a, b] = pair(clip.scene, i, j);
  const [fa, fb] = [clip.appearFrame[i], clip.appearFrame[j]];
  if (fa === fb) throw new SceneError(`The ${objectName(a)} and the ${objectName(b)} appear in the same frame: before/after is ambiguous.`);
  return { family: 'beforeAfter', question: TEMPLATES.beforeAfter(objectName(a), objectName(b)), answer: fa < fb ? 'before' : 'after' };
}

/** Every word a question or answer can contain: the tokenizer's vocabulary. */
export function questionVocabulary(): string[] {
  const sample = [
    TEMPLATES.leftRight('x', 'y'), TEMPLATES.aboveBelow('x', 'y'), TEMPLATES.colour('x'),
    TEMPLATES.grounding('x'), TEMPLATES.beforeAfter('x', 'y'),
    // "When does X appear?" left the families (never learned), but its word stays: the bundled
    // model's token ids are fixed by its trained embeddings, in this order
    'When does the x appear?',
    'left right above below before after row column frame',
    ...Array.from({ length: Math.max(GRID_SIZE, DEFAULT_FRAMES) }, (_, k) => String(k + 1)),
    ...COLOUR_NAMES, ...SHAPE_NAMES,
  ].join(' ');
  const words = sample.match(/\w+|[^\w\s]+/g) ?? [];
  return [...new Set(words.filter((w) => w !== 'x' && w !== 'y'))];
}

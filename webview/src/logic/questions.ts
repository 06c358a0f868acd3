import type { QuestionRelation, QuestionTemplate } from '../../../protocol/requests';
import type { InitBody, SceneObjectNote, SceneObjects } from '../../../protocol/webview';

/**
 * What the panel asks, from what the server says can be asked (ModelInfo.vocabulary): a template
 * carries its relation and answer words; a question of the user's own carries the object names and
 * answer words the user typed. Nothing here reads a relation or an answer out of English.
 */

/** The model's templates for the inspected media (none before a model has loaded). */
export function templatesOf(init: InitBody): QuestionTemplate[] {
  return init.model?.vocabulary.questionTemplates[init.media.kind] ?? [];
}

/** The object names of a closed vocabulary (the bundled model), or null: objects are named freely. */
export function closedObjectWords(init: InitBody): string[] | null {
  return init.model?.vocabulary.objectWords ?? null;
}

export function fillTemplate(template: string, a: string, b: string): string {
  return template.replace(/\{a\}/g, a).replace(/\{b\}/g, b);
}

/** Stands for an object not named yet, so the question being built reads as one. */
export const UNNAMED = '…';

/** A template filled with the object names (blank names show as "…"). */
export function questionFrom(template: QuestionTemplate, a: string, b: string): string {
  return fillTemplate(template.text, a.trim() || UNNAMED, b.trim() || UNNAMED);
}

/** Lower case, every run of characters other than letters and digits one space, padded: whole names match as ` name `. */
const normalised = (text: string) => ` ${text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `;

/**
 * The words of a closed vocabulary that a typed question names, in the order it names them (whole
 * words, case-insensitive); a name inside a longer one named at the same place ("circle" in "red
 * circle") is that longer name.
 */
export function objectsNamedIn(question: string, words: readonly string[]): string[] {
  const q = normalised(question);
  const found = [...new Set(words)].map((w) => ({ w, at: q.indexOf(normalised(w)), length: normalised(w).length })).filter((x) => x.at >= 0);
  const inside = (x: (typeof found)[number], y: (typeof found)[number]) => y.length > x.length && y.at <= x.at && x.at + x.length <= y.at + y.length;
  return found
    .filter((x) => !found.some((y) => inside(x, y)))
    .sort((x, y) => x.at - y.at)
    .map((x) => x.w);
}

/** The names a template's objects are chosen from with a closed vocabulary: its own (the colour question's shapes), else the vocabulary's. */
export function wordsFor(template: QuestionTemplate | undefined, closedWords: readonly string[] | null): string[] | null {
  if (!closedWords) return null;
  return template?.objectWords?.length ? [...template.objectWords] : [...closedWords];
}

/** Every name a closed vocabulary offers in any template ("red circle" and, for the colour question, "circle"). */
export function allClosedNames(templates: readonly QuestionTemplate[], closedWords: readonly string[] | null): string[] | null {
  return closedWords ? [...new Set([...closedWords, ...templates.flatMap((t) => t.objectWords ?? [])])] : null;
}

/**
 * The name among `words` that stands for `name` when the offered names change: the same name, the
 * one it contains ("cyan ring" -> "ring"), the first that contains it ("ring" -> "red ring"), else the first.
 */
export function nameAmong(words: readonly string[], name: string): string {
  if (words.includes(name)) return name;
  return words.find((w) => namesObject(name, w)) ?? words.find((w) => namesObject(w, name)) ?? words[0] ?? name;
}

/** Whether `question` contains `name` as whole words ("traffic light" in "... the traffic light?"). */
export function namesObject(question: string, name: string): boolean {
  return name.trim() !== '' && normalised(question).includes(normalised(name));
}

/** The question box's template and names, without the question's text. */
export type QuestionChoice = Pick<QuestionFields, 'templateIndex' | 'objectA' | 'objectB'>;

/** The names a template can ask about in a scene, each with its object: the closed words naming exactly one object, or the objects' own names. */
function sceneNames(template: QuestionTemplate, closedWords: readonly string[] | null, objects: readonly SceneObjectNote[]): { name: string; o: SceneObjectNote }[] {
  const words = wordsFor(template, closedWords);
  if (!words) return objects.map((o) => ({ name: o.name, o }));
  // in the scene's order; a word naming several of its objects ("star" of two stars) names none
  return objects.flatMap((o) => {
    const name = words.find((w) => namesObject(o.name, w) && objects.filter((p) => namesObject(p.name, w)).length === 1);
    return name ? [{ name, o }] : [];
  });
}

/** Whether the scene answers a template about these objects: left/right needs different columns, above/below different rows, before/after different frames. */
function answeredIn(template: QuestionTemplate, a: SceneObjectNote, b: SceneObjectNote, grid: number): boolean {
  const cell = (v: number) => Math.min(grid - 1, Math.max(0, Math.floor(v * grid)));
  switch (template.relation) {
    case 'leftRight':
      return cell(a.x) !== cell(b.x);
    case 'aboveBelow':
      return cell(a.y) !== cell(b.y);
    case 'beforeAfter':
      return a.appearFrame !== undefined && b.appearFrame !== undefined && a.appearFrame !== b.appearFrame;
    default:
      return true;
  }
}

/**
 * The first question: the first template the scene can answer, about objects that are in it (in
 * the scene's order); without a scene (a photo, a drawing) the first template with its names
 * blank, for the user to choose. Never two words of the vocabulary the picture may not hold.
 */
export function firstQuestion(templates: readonly QuestionTemplate[], closedWords: readonly string[] | null, scene: SceneObjects | undefined): QuestionChoice {
  const blank: QuestionChoice = { templateIndex: templates.length ? 0 : -1, objectA: '', objectB: '' };
  if (!scene) return blank;
  for (const [templateIndex, t] of templates.entries()) {
    const names = sceneNames(t, closedWords, scene.objects);
    if (t.objects === 1 && names.length) return { templateIndex, objectA: names[0].name, objectB: '' };
    for (const a of names) {
      const b = names.find((b) => b.o !== a.o && answeredIn(t, a.o, b.o, scene.grid));
      if (b) return { templateIndex, objectA: a.name, objectB: b.name };
    }
  }
  return blank;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The names a question fills a template with ("Is the blue square above or below the green star?"), or null when it is not that template's shape. */
function namesInTemplate(question: string, template: QuestionTemplate): string[] | null {
  const slots: string[] = [];
  const pattern = template.text
    .trim()
    .split(/(\{[ab]\})/)
    .map((part) => {
      if (part === '{a}' || part === '{b}') {
        slots.push(part);
        return '(.+?)';
      }
      return escapeRegExp(part).replace(/\s+/g, '\\s+');
    })
    .join('');
  const match = new RegExp(`^${pattern}$`, 'iu').exec(question.trim());
  if (!match) return null;
  const names: Record<string, string> = {};
  slots.forEach((slot, i) => (names[slot] ??= match[i + 1].trim()));
  return [names['{a}'] ?? '', names['{b}'] ?? ''];
}

/**
 * The template and names a typed question is: a template's shape filled with names it can ask
 * about (the closed words, in the vocabulary's spelling), else a question of the user's own naming
 * the closed words found in it (two at most; none found: blank; a name is never carried over to
 * stand for a missing one) or, with free names, the names typed beside it.
 */
export function choiceForTyped(question: string, templates: readonly QuestionTemplate[], closedWords: readonly string[] | null, typed: Pick<QuestionFields, 'objectA' | 'objectB'>): QuestionChoice {
  for (const [templateIndex, t] of templates.entries()) {
    const filled = namesInTemplate(question, t);
    if (!filled) continue;
    const words = wordsFor(t, closedWords);
    const names = filled.slice(0, t.objects).map((n) => (words ? words.find((w) => normalised(w) === normalised(n)) : n));
    if (names.some((n) => !n || n === UNNAMED)) continue;
    return { templateIndex, objectA: names[0]!, objectB: names[1] ?? '' };
  }
  const closedNames = allClosedNames(templates, closedWords);
  if (closedNames) {
    const [objectA = '', objectB = ''] = objectsNamedIn(question, closedNames);
    return { templateIndex: -1, objectA, objectB };
  }
  // free names cannot be found in free text: they stay as typed (Run says when the question lacks one)
  return { templateIndex: -1, objectA: typed.objectA, objectB: typed.objectB };
}

/** The template that, filled with these names, is the question: its index, or -1 for a question of the user's own. */
export function templateMatching(question: string, templates: readonly QuestionTemplate[], a: string, b: string): number {
  const q = question.trim();
  return templates.findIndex((t) => questionFrom(t, a, b) === q);
}

/** Answer words as typed: separated by commas, e.g. "yes, no". */
export function parseAnswerWords(text: string): string[] {
  return [...new Set(text.split(',').map((w) => w.trim()).filter(Boolean))];
}

/** The question box's fields, as the panel state keeps them (templateIndex -1: the user's own question). */
export interface QuestionFields {
  question: string;
  templateIndex: number;
  objectA: string;
  objectB: string;
  /** Answer words for a question of the user's own, as typed. */
  answerText: string;
}

/** What a Run asks: the question, the objects it names and the answer words, all explicit. */
export interface AskedQuestion {
  question: string;
  objects: string[];
  /** Empty: the model's generated answer is the answer. */
  answers: string[];
  relation: QuestionRelation | null;
}

export type Asking = { ok: true; asked: AskedQuestion } | { ok: false; problem: string };

/** The question the fields ask, or why they ask none yet. */
export function askedQuestion(fields: QuestionFields, templates: readonly QuestionTemplate[], closedWords: readonly string[] | null): Asking {
  const question = fields.question.trim();
  if (!question) return { ok: false, problem: 'Write a question first.' };
  const template = templates[fields.templateIndex];
  if (template) {
    const names = [fields.objectA, fields.objectB].slice(0, template.objects).map((n) => n.trim());
    if (names.some((n) => !n)) return { ok: false, problem: template.objects === 1 ? 'Name the object the question asks about.' : 'Name both objects the question asks about.' };
    return { ok: true, asked: { question, objects: [...new Set(names)], answers: [...template.answers], relation: template.relation } };
  }
  const answers = parseAnswerWords(fields.answerText);
  const closedNames = allClosedNames(templates, closedWords);
  if (closedNames) return { ok: true, asked: { question, objects: objectsNamedIn(question, closedNames), answers, relation: null } };
  const objects = [...new Set([fields.objectA, fields.objectB].map((n) => n.trim()).filter(Boolean))];
  const missing = objects.find((o) => !namesObject(question, o));
  if (missing) return { ok: false, problem: `"${missing}" is not in the question: name each object as the question writes it.` };
  return { ok: true, asked: { question, objects, answers, relation: null } };
}

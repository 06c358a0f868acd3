import type { QuestionRelation, QuestionTemplate } from '../../../protocol/requests';
import type { InitBody } from '../../../protocol/webview';

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

/** Two distinct words to start with (the first two; one word is used twice only when it is all there is). */
export function defaultObjectPair(words: readonly string[]): [string, string] {
  const a = words[0] ?? 'object';
  const b = words.find((w) => w !== a) ?? a;
  return [a, b];
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

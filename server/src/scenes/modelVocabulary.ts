import type { ModelVocabulary, QuestionRelation, QuestionTemplate } from '../../../protocol/requests';
import { ANSWER_WORDS, TEMPLATES, questionVocabulary } from './questions';
import { COLOUR_NAMES, SHAPE_NAMES } from './vocabulary';

/**
 * What a loaded model can be asked (ModelInfo.vocabulary), so the panel and the palette offer it
 * without knowing the scene engine: question templates that carry their relation and answer words,
 * and, when the model's vocabulary is closed (its tokenizer knows every scene-engine question word
 * and no other words, apart from special tokens such as `<image>` and the words of its chat
 * template), the object words it reads. A model that reads open text names objects freely.
 */

/** The words of a tokenizer.json's vocabulary (WordPiece, BPE and WordLevel keep a map; Unigram a list of [piece, score]); null when it has none. */
function tokenizerWords(tokenizer: object): string[] | null {
  const model = (tokenizer as { model?: { vocab?: unknown } }).model;
  const vocab = model?.vocab;
  if (Array.isArray(vocab)) return vocab.flatMap((e) => (Array.isArray(e) && typeof e[0] === 'string' ? [e[0]] : []));
  if (vocab && typeof vocab === 'object') return Object.keys(vocab);
  return null;
}

function specialTokens(tokenizer: object): Set<string> {
  const added = (tokenizer as { added_tokens?: unknown }).added_tokens;
  const list = Array.isArray(added) ? added.flatMap((t) => (t && typeof t === 'object' && typeof (t as { content?: unknown }).content === 'string' ? [(t as { content: string }).content] : [])) : [];
  return new Set(list);
}

const wordsOf = (text: string) => text.match(/\w+|[^\w\s]+/g) ?? [];

/** A template of the scene engine's wording, so held-out batches ask the same relation in the same words. */
function template(text: string, objects: 1 | 2, relation: QuestionRelation | null): QuestionTemplate {
  return { text, objects, relation, answers: relation ? [...ANSWER_WORDS[relation]!] : [] };
}

/**
 * The questions every model is offered, in the scene engine's words (so a batch over held-out scenes
 * asks what the panel asked), with their relation and answer words as data.
 */
export function questionTemplates(readsVideo: boolean, closed = false): ModelVocabulary['questionTemplates'] {
  // a closed vocabulary names the colour question's object by its shape: "What colour is the red
  // circle?" gives the answer away, and "What colour is the ring?" is the question the model learnt
  const colour = template(TEMPLATES.colour('{a}'), 1, null);
  return {
    image: [
      template(TEMPLATES.leftRight('{a}', '{b}'), 2, 'leftRight'),
      template(TEMPLATES.aboveBelow('{a}', '{b}'), 2, 'aboveBelow'),
      template(TEMPLATES.grounding('{a}'), 1, null),
      closed ? { ...colour, objectWords: [...SHAPE_NAMES] } : colour,
    ],
    video: readsVideo ? [template(TEMPLATES.beforeAfter('{a}', '{b}'), 2, 'beforeAfter')] : [],
  };
}

/** Every "colour shape" of the scene engine. */
const sceneObjectWords = () => COLOUR_NAMES.flatMap((c) => SHAPE_NAMES.map((s) => `${c} ${s}`));

const closedCache = new WeakMap<object, boolean>();

/**
 * What a model with this tokenizer (a parsed tokenizer.json) and chat template can be asked: the
 * templates (video ones only when it reads clips), and the scene engine's object words when its
 * vocabulary is closed to the scene's words, else null (objects named freely).
 */
export function modelVocabularyOf(tokenizer: object, chatTemplate: string | undefined, opts: { readsVideo: boolean }): ModelVocabulary {
  let closed = closedCache.get(tokenizer);
  if (closed === undefined) closedCache.set(tokenizer, (closed = isClosed(tokenizer, chatTemplate)));
  return { questionTemplates: questionTemplates(opts.readsVideo, closed), objectWords: closed ? sceneObjectWords() : null };
}

function isClosed(tokenizer: object, chatTemplate: string | undefined): boolean {
  const words = tokenizerWords(tokenizer);
  if (!words) return false;
  const known = new Set(words);
  const scene = questionVocabulary();
  if (!scene.every((w) => known.has(w))) return false;
  const allowed = new Set([...scene, ...wordsOf(chatTemplate ?? '')]);
  const specials = specialTokens(tokenizer);
  // WordPiece continuations (##x) would let the model read words beyond the scene's
  return words.every((w) => allowed.has(w) || specials.has(w) || /^<[^<>\s]+>$/.test(w) || /^\[[A-Z]+\]$/.test(w));
}

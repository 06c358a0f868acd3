import type { ModelVocabulary } from '../../../protocol/requests';
import { TEMPLATES, questionVocabulary } from './questions';
import { COLOUR_NAMES, SHAPE_NAMES } from './vocabulary';

/**
 * The scene engine's vocabulary as a property of a loaded model (ModelInfo.vocabulary), so the
 * panel asks what the model can read without knowing the scene engine: given when the model's
 * vocabulary is closed, that is when its tokenizer knows every scene-engine question word and no
 * other words (apart from special tokens such as `<image>` and the words of its chat template).
 * A model that reads open text gets null and the panel lets the user type.
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

/** The panel's questions: not "When does X appear?", which the bundled model learns but forgets in its last phase (its model card). */
function sceneVocabulary(): ModelVocabulary {
  return {
    questionTemplates: {
      image: [TEMPLATES.leftRight('{a}', '{b}'), TEMPLATES.aboveBelow('{a}', '{b}'), TEMPLATES.grounding('{a}'), TEMPLATES.colour('{a}')],
      video: [TEMPLATES.beforeAfter('{a}', '{b}')],
    },
    objectWords: COLOUR_NAMES.flatMap((c) => SHAPE_NAMES.map((s) => `${c} ${s}`)),
  };
}

const cache = new WeakMap<object, ModelVocabulary | null>();

/** The scene engine's vocabulary when `tokenizer` (a parsed tokenizer.json) reads only it, else null. */
export function closedVocabularyOf(tokenizer: object, chatTemplate: string | undefined): ModelVocabulary | null {
  if (cache.has(tokenizer)) return cache.get(tokenizer)!;
  const result = isClosed(tokenizer, chatTemplate) ? sceneVocabulary() : null;
  cache.set(tokenizer, result);
  return result;
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

import type { PromptToken } from '../model/promptProcessor';
import type { PositionSelector } from '../../../protocol/requests';
import { badQuestion, badRequest } from '../../../protocol/errors';

/**
 * Token positions in a processed prompt: named words (METHOD.md: the object token of X is the
 * last sub-token of " X" inside the question, its first occurrence there) and the selectors of
 * the run API ('all', 'media', 'text', indices, words).
 */

/** Encodes text to token ids without special tokens (the model's tokenizer). */
export type Encode = (text: string) => number[];

/** Where the question starts: after the last media placeholder, else after the first text token (BOS). */
function questionStart(tokens: readonly PromptToken[]): number {
  let last = -1;
  tokens.forEach((t, i) => t.kind !== 'text' && (last = i));
  return last + 1;
}

function findSequence(ids: readonly number[], seq: readonly number[], from: number): number {
  if (seq.length === 0) return -1;
  for (let i = from; i + seq.length <= ids.length; i++) {
    if (seq.every((id, k) => ids[i + k] === id)) return i;
  }
  return -1;
}

/**
 * The position of the last sub-token of `word` (one or more words, e.g. "red circle") in the question.
 * `question`, when given, is quoted in the error instead of the prompt's tokens (which end with the template's own).
 */
export function wordPosition(tokens: readonly PromptToken[], word: string, encode: Encode, question?: string): number {
  const phrase = word.trim();
  if (!phrase) throw badQuestion('An empty word was asked for: name an object word of the question, e.g. "circle".');
  const ids = tokens.map((t) => t.id);
  const start = questionStart(tokens);
  // " word" is how the word reads mid-sentence; the bare form covers a word at the question's start
  for (const candidate of [encode(` ${phrase}`), encode(phrase)]) {
    const at = findSequence(ids, candidate, start);
    if (at >= 0) return at + candidate.length - 1;
  }
  const quoted = question?.trim() || tokens.slice(start).map((t) => t.text).join(' ');
  throw badQuestion(`"${phrase}" is not in the question (${quoted}): name a word that the question contains.`);
}

export function resolvePositions(selector: PositionSelector, tokens: readonly PromptToken[], encode: Encode, question?: string): number[] {
  const n = tokens.length;
  if (selector === 'all') return tokens.map((_, i) => i);
  if (selector === 'media') return tokens.flatMap((t, i) => (t.kind !== 'text' ? [i] : []));
  if (selector === 'text') return tokens.flatMap((t, i) => (t.kind === 'text' ? [i] : []));
  if (Array.isArray(selector)) {
    for (const p of selector) {
      if (!Number.isInteger(p) || p < 0 || p >= n) throw badRequest(`Token position ${p} is out of range: this prompt has positions 0 to ${n - 1}.`);
    }
    return [...new Set(selector)].sort((a, b) => a - b);
  }
  if (selector && typeof selector === 'object' && Array.isArray(selector.words)) {
    return [...new Set(selector.words.map((w) => wordPosition(tokens, w, encode, question)))].sort((a, b) => a - b);
  }
  throw badRequest(`Unknown position selector ${JSON.stringify(selector)}: use "all", "media", "text", a list of indices or {"words": [...]}.`);
}

/**
 * Default answer words: the two words around " or " in the question ("left or right"), else none.
 * One pass over the question's words and the gaps between them (a backtracking regex such as
 * `(\w+)\s+or\s+(\w+)` is quadratic in the question's length).
 */
export function answerWordsOf(question: string): string[] {
  // alternating runs: word characters, blanks, anything else; each character is read once
  const runs = question.match(/\w+|\s+|[^\w\s]+/g) ?? [];
  const isWord = (r: string | undefined) => r !== undefined && /^\w/.test(r);
  const isBlank = (r: string | undefined) => r !== undefined && /^\s/.test(r);
  for (let i = 2; i + 2 < runs.length; i++) {
    if (runs[i].toLowerCase() === 'or' && isBlank(runs[i - 1]) && isBlank(runs[i + 1]) && isWord(runs[i - 2]) && isWord(runs[i + 2])) {
      return [runs[i - 2].toLowerCase(), runs[i + 2].toLowerCase()];
    }
  }
  return [];
}

import type { TokenInfo } from '../../../protocol/requests';

/**
 * Words of a question that the model's vocabulary lacks, so each `<unk>` token of the prompt can
 * say which word it stands for ("big" in "the big blue square" on the bundled model): a word is
 * unknown when it encodes to the unknown token; a word-level or WordPiece tokenizer makes one
 * `<unk>` per unknown word, so they pair up in order. When the counts differ (a tokenizer that
 * splits words otherwise) the tokens stay marked unknown without a word rather than a wrong one.
 */

const WORDS = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

export function unknownWordsOf(question: string, encode: (text: string) => number[], unknownId: number | undefined): string[] {
  if (unknownId === undefined) return [];
  return (question.match(WORDS) ?? []).filter((w) => encode(` ${w}`).includes(unknownId));
}

/** The prompt's tokens with each unknown token marked, and named by its word when the words pair up with them. */
export function markUnknownTokens(tokens: TokenInfo[], question: string, encode: (text: string) => number[], unknownId: number | undefined): TokenInfo[] {
  if (unknownId === undefined || !tokens.some((t) => t.kind === 'text' && t.id === unknownId)) return tokens;
  const words = unknownWordsOf(question, encode, unknownId);
  const unknown = tokens.filter((t) => t.kind === 'text' && t.id === unknownId);
  const named = words.length === unknown.length;
  let k = 0;
  return tokens.map((t) => (t.kind === 'text' && t.id === unknownId ? { ...t, unknown: true, ...(named ? { word: words[k++] } : {}) } : t));
}

/** Question templates with {a} and {b} placeholders for object words. */

export function fillTemplate(template: string, a: string, b: string): string {
  return template.replace(/\{a\}/g, a).replace(/\{b\}/g, b);
}

/** Two distinct words to start with (the first two; one word is used twice only when it is all there is). */
export function defaultObjectPair(words: readonly string[]): [string, string] {
  const a = words[0] ?? 'object';
  const b = words.find((w) => w !== a) ?? a;
  return [a, b];
}

export type Relation = 'leftRight' | 'aboveBelow' | 'beforeAfter';

/** Which relation a question asks about (for batch sweeps over held-out scenes), from its two answer words. */
export function relationOf(question: string): Relation | undefined {
  const q = question.toLowerCase();
  if (/\bleft\b.*\bor\b.*\bright\b|\bright\b.*\bor\b.*\bleft\b/.test(q)) return 'leftRight';
  if (/\babove\b.*\bor\b.*\bbelow\b|\bbelow\b.*\bor\b.*\babove\b/.test(q)) return 'aboveBelow';
  if (/\bbefore\b.*\bor\b.*\bafter\b|\bafter\b.*\bor\b.*\bbefore\b/.test(q)) return 'beforeAfter';
  return undefined;
}

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

/** The object words a typed question names, in the order it names them (whole words, case-insensitive). */
export function objectsNamedIn(question: string, words: readonly string[]): string[] {
  const q = ` ${question.toLowerCase().replace(/[^a-z0-9]+/g, ' ')} `;
  return words
    .map((w) => ({ w, at: q.indexOf(` ${w.toLowerCase()} `) }))
    .filter((x) => x.at >= 0)
    .sort((x, y) => x.at - y.at)
    .map((x) => x.w);
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

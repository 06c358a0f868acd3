import type { TokenInfo } from '../../../protocol/requests';
import { h, setChildren, show } from './dom';

/**
 * The prompt as the model reads it (TransformerLens `to_str_tokens`): its tokens in order, the
 * media tokens collapsed into one labelled run ("<image> × 16"), tokens the vocabulary lacks
 * marked `<unk>` with the word they stand for, and the object-word positions the probe reads and
 * steering writes to highlighted, so a researcher sees which token each analysis touches.
 */

export interface TokenViewInput {
  tokens: readonly TokenInfo[];
  /** Object words the probe read, at their token positions. */
  read: readonly { object: string; position: number }[];
  /** Positions the shown steering added to. */
  steered: readonly number[];
}

/** One item of the view: a text token, or a run of media tokens of one kind. */
export type TokenItem = { kind: 'text'; token: TokenInfo } | { kind: 'media'; media: 'image' | 'video'; text: string; from: number; to: number; count: number };

/** Consecutive media tokens of one kind as one run; text tokens one by one. */
export function tokenItems(tokens: readonly TokenInfo[]): TokenItem[] {
  const items: TokenItem[] = [];
  for (const t of tokens) {
    const last = items[items.length - 1];
    if (t.kind === 'text') items.push({ kind: 'text', token: t });
    else if (last?.kind === 'media' && last.media === t.kind && last.to === t.position - 1) {
      last.to = t.position;
      last.count++;
    } else items.push({ kind: 'media', media: t.kind, text: t.text, from: t.position, to: t.position, count: 1 });
  }
  return items;
}

/** The words behind the prompt's unknown tokens, in order (a token whose word could not be told counts as "?"). */
export function unknownWords(tokens: readonly TokenInfo[]): string[] {
  return tokens.filter((t) => t.unknown).map((t) => t.word ?? '?');
}

export class TokenView {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly note: HTMLElement;
  private readonly summary: HTMLElement;

  constructor() {
    this.summary = h('p', { class: 'token-summary muted' });
    this.list = h('ol', { class: 'str-token-list', attrs: { 'aria-label': 'Prompt tokens' } });
    this.note = h('p', { class: 'token-note', attrs: { role: 'note', 'data-view': 'unknown-words' } });
    this.element = h('section', { class: 'token-view', attrs: { 'data-view': 'tokens' } }, h('h3', { text: 'Prompt tokens' }), this.summary, this.list, this.note);
  }

  update(input: TokenViewInput | null): void {
    show(this.element, !!input && input.tokens.length > 0);
    if (!input) return;
    const readAt = new Map<number, string[]>();
    for (const r of input.read) readAt.set(r.position, [...(readAt.get(r.position) ?? []), r.object]);
    const steered = new Set(input.steered);
    const media = input.tokens.filter((t) => t.kind !== 'text').length;
    this.summary.textContent = `${input.tokens.length} tokens${media ? `, ${media} of them media` : ''}.${readAt.size ? ' Highlighted: the object words read' + (steered.size ? ' and steered.' : '.') : ''}`;
    setChildren(this.list, ...tokenItems(input.tokens).map((item) => (item.kind === 'media' ? mediaRun(item) : textToken(item.token, readAt.get(item.token.position), steered.has(item.token.position)))));
    const unknown = unknownWords(input.tokens);
    show(this.note, unknown.length > 0);
    this.note.textContent = unknown.length
      ? `Not in the model's vocabulary, read as <unk>: ${unknown.map((w) => `"${w}"`).join(', ')}. The model sees no meaning in ${unknown.length === 1 ? 'this word' : 'these words'}: rephrase with words it knows.`
      : '';
  }
}

function mediaRun(item: Extract<TokenItem, { kind: 'media' }>): HTMLElement {
  const where = item.count === 1 ? `position ${item.from}` : `positions ${item.from}–${item.to}`;
  return h('li', {
    class: 'str-token media-run',
    text: `${item.text} × ${item.count}`,
    attrs: { 'data-position': item.from, 'data-count': item.count, title: `${item.count} ${item.media} tokens at ${where}` },
  });
}

function textToken(t: TokenInfo, read: string[] | undefined, steered: boolean): HTMLElement {
  const classes = ['str-token', t.unknown ? 'unknown' : '', read ? 'read' : '', steered ? 'steered' : ''].filter(Boolean).join(' ');
  const roles = [read ? `read as ${read.map((o) => `"${o}"`).join(', ')}` : '', steered ? 'steered' : '', t.unknown ? `unknown word${t.word ? ` "${t.word}"` : ''}` : ''].filter(Boolean);
  const title = `position ${t.position} · id ${t.id}${roles.length ? ` · ${roles.join(' · ')}` : ''}`;
  return h(
    'li',
    { class: classes, attrs: { 'data-position': t.position, title, 'aria-label': `${t.text}, ${title}` } },
    h('span', { class: 'token-text', text: visible(t.text) }),
    t.unknown && t.word ? h('span', { class: 'token-word', text: t.word }) : null,
  );
}

/** Whitespace made visible, as token strings are usually shown (a leading space is part of the token). */
function visible(text: string): string {
  return text.replace(/ /g, '·').replace(/\n/g, '↵') || '∅';
}

import type { SteerOutcome, TokenInfo } from '../../../protocol/requests';
import { answerChange } from '../logic/answerChange';
import { formatDelta, formatLogprob, formatProbability, logprobRows, wholeAnswerRows } from '../logic/logprobs';
import type { AnswerSummary } from '../state/experimentLog';
import type { PanelState } from '../state/panelState';
import { type Child, h, setChildren } from './dom';
import { TokenView, type TokenViewInput } from './tokenView';

/**
 * The model's answer with log P of each answer word; under steering, before/after and the noise
 * control side by side, as whole answers ("row 2 column 1") with log P summed over their tokens;
 * a note when the question's objects could not be read; under it, the prompt's tokens.
 */

export interface AnswerContext {
  /** Why no object was read (words the model lacks, names not in the question), shown with the answer. */
  objectNote?: string | null;
  tokens?: TokenViewInput | null;
  /** The run named no answer words: its table holds the generated answer's first word only. */
  firstWordOnly?: boolean;
}

/** What the answer view shows besides the answer, from the panel state: the run's tokens, the words read and steered. */
export function answerContext(state: PanelState, step: PanelState['steps'][number] | null | undefined): AnswerContext {
  const b = state.baseline;
  if (!b) return {};
  const objects = (step?.probeResult ?? b.probeResult)?.objects ?? [];
  const steeredWords = new Set((step?.outcome.interventions ?? []).flatMap((iv) => (iv.positions && typeof iv.positions === 'object' && !Array.isArray(iv.positions) ? iv.positions.words : [])));
  return {
    objectNote: b.objectNote ?? null,
    tokens: b.tokens ? tokenInput(b.tokens, objects, steeredWords) : null,
    firstWordOnly: b.forward.answers?.length === 0,
  };
}

function tokenInput(tokens: TokenInfo[], objects: readonly { object: string; position: number }[], steeredWords: Set<string>): TokenViewInput {
  return {
    tokens,
    read: objects.map((o) => ({ object: o.object, position: o.position })),
    steered: objects.filter((o) => steeredWords.has(o.object)).map((o) => o.position),
  };
}

export class AnswerView {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly note: HTMLElement;
  private readonly tokens = new TokenView();

  constructor() {
    this.body = h('div', { class: 'answer-body' });
    this.note = h('p', { class: 'object-note', attrs: { role: 'note', 'data-view': 'object-note', hidden: true } });
    this.element = h('section', { class: 'answer-view', attrs: { 'aria-live': 'polite', 'data-view': 'answer' } }, this.body, this.note, this.tokens.element);
  }

  update(answer: AnswerSummary | null, steering: SteerOutcome | null, busy: boolean, context: AnswerContext = {}): void {
    this.note.textContent = context.objectNote ?? '';
    this.note.toggleAttribute('hidden', !context.objectNote);
    this.tokens.update(context.tokens ?? null);
    if (!answer && !steering) {
      setChildren(this.body, h('p', { class: 'note', text: busy ? 'Running…' : 'Run the question to see the answer.' }));
      return;
    }
    if (steering) {
      setChildren(this.body, ...steeredAnswer(steering));
      return;
    }
    const a = answer as AnswerSummary;
    const rows = logprobRows(a.logprobs);
    setChildren(
      this.body,
      h('div', { class: 'answer-line' }, h('span', { class: 'answer-label', text: 'Answer' }), h('span', { class: 'answer-text', attrs: { 'data-answer': 'current' }, text: a.answer })),
      rows.length
        ? table(
            ['word', 'log P', 'P'],
            rows.map((r) => [r.word, formatLogprob(r.before), formatProbability(r.before)]),
            // a phrase answer ("row 2 column 1") is more than its first word: say what the number is of
            context.firstWordOnly ? 'no answer words named: log P of the answer\'s first word, at the first answer token' : null,
          )
        : null,
    );
  }
}

function steeredAnswer(o: SteerOutcome): Child[] {
  const whole = o.changedBy === 'wholeAnswer';
  const badge = (changed: boolean) => h('vscode-badge', { class: changed ? 'flip-badge flipped' : 'flip-badge', text: answerChange(changed, o.changedBy) });
  const words = logprobRows(o.logprobsBefore, o.logprobsAfter, o.logprobsNoise);
  const answers = o.wholeAnswers ? wholeAnswerRows(o.wholeAnswers) : [];
  return [
    h(
      'div',
      { class: 'answer-compare' },
      h('span', { class: 'answer-label', text: 'Before' }),
      h('span', { class: 'answer-text', attrs: { 'data-answer': 'before' }, text: o.answerBefore }),
      h('span'),
      h('span', { class: 'answer-label', text: 'Steered' }),
      h('span', { class: 'answer-text', attrs: { 'data-answer': 'after' }, text: o.answerAfter }),
      badge(o.flipped),
      h('span', { class: 'answer-label', text: 'Noise control' }),
      h('span', { class: 'answer-text', attrs: { 'data-answer': 'noise' }, text: o.answerNoise }),
      badge(o.flippedNoise),
    ),
    // the answer words decide a two-way question; a phrase answer's first word says nothing of the rest
    !whole && words.length
      ? table(['word', 'before', 'steered', 'Δ', 'noise', 'Δ noise'], words.map((r) => [r.word, formatLogprob(r.before), formatLogprob(r.after), formatDelta(r.delta), formatLogprob(r.noise), formatDelta(r.noiseDelta)]), 'answer words: log P at the first answer token')
      : null,
    // seven columns and free-text answers: the table scrolls in its column rather than widen the panel
    answers.length
      ? h(
          'div',
          { class: 'table-scroll' },
          table(
            ['answer', 'generated', 'before', 'steered', 'Δ', 'noise', 'Δ noise'],
            answers.map((r) => [r.answer, r.generatedBy, formatLogprob(r.before), formatLogprob(r.after), formatDelta(r.delta), formatLogprob(r.noise), formatDelta(r.noiseDelta)]),
            'whole answers: log P summed over their tokens under each run',
            'whole-answer-table',
          ),
        )
      : null,
  ];
}

function table(head: string[], rows: string[][], caption: string | null = null, extraClass = ''): HTMLTableElement {
  const textColumns = head[1] === 'generated' ? 2 : 1;
  return h(
    'table',
    { class: `logprob-table ${extraClass}`.trim() },
    caption ? h('caption', { text: caption }) : null,
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { text: c })))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c, i) => h('td', { class: i < textColumns ? 'word' : 'num', text: c }))))),
  );
}

import type { SteerOutcome } from '../../../protocol/requests';
import { formatDelta, formatLogprob, formatProbability, logprobRows } from '../logic/logprobs';
import type { AnswerSummary } from '../state/experimentLog';
import { type Child, h, setChildren } from './dom';

/** The model's answer with log P of each answer word; under steering, before/after and the noise control side by side. */

export class AnswerView {
  readonly element: HTMLElement;

  constructor() {
    this.element = h('section', { class: 'answer-view', attrs: { 'aria-live': 'polite', 'data-view': 'answer' } });
  }

  update(answer: AnswerSummary | null, steering: SteerOutcome | null, busy: boolean): void {
    if (!answer && !steering) {
      setChildren(this.element, h('p', { class: 'note', text: busy ? 'Running…' : 'Run the question to see the answer.' }));
      return;
    }
    if (steering) {
      setChildren(this.element, ...steeredAnswer(steering));
      return;
    }
    const a = answer as AnswerSummary;
    const rows = logprobRows(a.logprobs);
    setChildren(
      this.element,
      h('div', { class: 'answer-line' }, h('span', { class: 'answer-label', text: 'Answer' }), h('span', { class: 'answer-text', attrs: { 'data-answer': 'current' }, text: a.answer })),
      table(
        ['word', 'log P', 'P'],
        rows.map((r) => [r.word, formatLogprob(r.before), formatProbability(r.before)]),
      ),
    );
  }
}

function steeredAnswer(o: SteerOutcome): Child[] {
  const rows = logprobRows(o.logprobsBefore, o.logprobsAfter, o.logprobsNoise);
  const badge = (flipped: boolean) => h('vscode-badge', { class: flipped ? 'flip-badge flipped' : 'flip-badge', text: flipped ? 'flipped' : 'unchanged' });
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
    table(
      ['word', 'before', 'steered', 'Δ', 'noise', 'Δ noise'],
      rows.map((r) => [r.word, formatLogprob(r.before), formatLogprob(r.after), formatDelta(r.delta), formatLogprob(r.noise), formatDelta(r.noiseDelta)]),
    ),
  ];
}

function table(head: string[], rows: string[][]): HTMLTableElement {
  return h(
    'table',
    { class: 'logprob-table' },
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { text: c })))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c, i) => h('td', { class: i === 0 ? 'word' : 'num', text: c }))))),
  );
}

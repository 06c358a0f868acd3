import { type Experiment, describeAction } from '../state/experimentLog';
import type { ReplayReport } from '../state/panelState';
import { h, setChildren } from './dom';

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The replay's one-line summary: what was replayed, and whether every saved result came back. */
export function replaySummary(replay: ReplayReport): string {
  if (replay.actions === 0 && replay.error && replay.steps === undefined) return `Replay stopped: ${replay.error}`;
  const steps = replay.steps !== undefined ? ` (${plural(replay.steps, 'request')})` : '';
  const reproduced = replay.reproduced ? `; ${plural(replay.reproduced, 'recorded error')} reproduced` : '';
  // with actions left out, "every result matched" would overstate what was checked
  const verdict = replay.differences.length > 0 ? `${replay.differences.length} differ from the saved results:` : replay.error ? 'no replayed result differed from the saved numbers' : 'every result matched the saved numbers';
  return `Replayed ${plural(replay.actions, 'action')}${steps}${reproduced}; ${verdict}`;
}

/** The actions recorded in this panel's experiment, and how a replay went: each differing action listed. */
export class ExperimentView {
  readonly element: HTMLElement;

  constructor() {
    this.element = h('div', { class: 'experiment-view', attrs: { 'data-view': 'experiment' } });
  }

  update(experiment: Experiment, replay: ReplayReport | null, bank: Parameters<typeof describeAction>[1] = null): void {
    const warn = replay !== null && (replay.error !== undefined || replay.differences.length > 0);
    const report = replay
      ? h(
          'div',
          { class: warn ? 'replay-report warn' : 'replay-report', attrs: { 'data-replay': 'report' } },
          h('p', { text: replaySummary(replay) }),
          replay.differences.length ? h('ul', { class: 'replay-differences', attrs: { 'data-replay': 'differences' } }, ...replay.differences.map((d) => h('li', { text: d }))) : null,
          replay.error && replay.steps !== undefined ? h('p', { text: `Not replayed: ${replay.error}` }) : null,
        )
      : null;
    const items = experiment.actions.map((a, i) => h('li', { text: `${i + 1}. ${describeAction(a, bank)}` }));
    setChildren(
      this.element,
      report,
      items.length > 0 ? h('ol', { class: 'action-list' }, ...items) : h('p', { class: 'note', text: 'Nothing recorded yet: every run, steer, undo and sweep is recorded here, failed ones too.' }),
    );
  }
}

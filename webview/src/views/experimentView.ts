import { type Experiment, describeAction } from '../state/experimentLog';
import type { ReplayReport } from '../state/panelState';
import { h, setChildren } from './dom';

/** The actions recorded in this panel's experiment, and how a replay went. */
export class ExperimentView {
  readonly element: HTMLElement;

  constructor() {
    this.element = h('div', { class: 'experiment-view', attrs: { 'data-view': 'experiment' } });
  }

  update(experiment: Experiment, replay: ReplayReport | null): void {
    const report = replay
      ? h(
          'p',
          { class: replay.error || replay.differences.length > 0 ? 'replay-report warn' : 'replay-report', attrs: { 'data-replay': 'report' } },
          replay.error
            ? `Replay stopped: ${replay.error}`
            : replay.differences.length === 0
              ? `Replayed ${replay.actions} actions; every result matched the saved numbers.`
              : `Replayed ${replay.actions} actions; ${replay.differences.length} differ: ${replay.differences.join('; ')}`,
        )
      : null;
    const items = experiment.actions.map((a, i) => h('li', { text: `${i + 1}. ${describeAction(a)}` }));
    setChildren(
      this.element,
      report,
      items.length > 0 ? h('ol', { class: 'action-list' }, ...items) : h('p', { class: 'note', text: 'Nothing recorded yet: every run, steer, undo and sweep is recorded here.' }),
    );
  }
}

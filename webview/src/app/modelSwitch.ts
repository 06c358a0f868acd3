import type { InitBody } from '../../../protocol/webview';
import { createExperiment } from '../state/experimentLog';
import { type PanelState, isSavedState, maxLayerOf } from '../state/panelState';

/**
 * Select Model... while a panel is open: the host sends a fresh init with the new model and its
 * bank (or none). The panel keeps the question and its view choices, drops what the old model
 * answered (its run, steering and sweep, and its experiment log: one experiment is one model's),
 * and re-asks the question on the new model.
 */

/** Whether `body` is another model than the one the saved state was initialised with. */
export function modelSwitched(saved: unknown, body: InitBody): boolean {
  if (!isSavedState(saved) || !saved.init.model || !body.model) return false;
  return saved.init.model.dir !== body.model.dir || saved.init.model.decoderHash !== body.model.decoderHash;
}

/** The restored state on the new model: nothing the old model computed is left on screen. */
export function onNewModel(restored: PanelState, body: InitBody, now: Date): PanelState {
  const maxLayer = maxLayerOf(body);
  return {
    ...restored,
    baseline: null,
    steps: [],
    sweep: null,
    selectedObject: null,
    layer: body.bank ? Math.max(0, Math.min(maxLayer, body.bank.bestLayer)) : restored.layer,
    experiment: createExperiment(body, now),
    replay: null,
  };
}

const folderName = (dir: string) => dir.split(/[\\/]/).filter(Boolean).pop() ?? dir;

/** What the panel says once it has switched (and re-asked, when there was a question on screen). */
export function switchNotice(body: InitBody, reasked: boolean): string {
  const name = body.model ? folderName(body.model.dir) : 'the new model';
  const asked = reasked ? ` The question was asked again on ${name}.` : '';
  const bank = body.bank ? '' : ` ${name} has no ID bank yet: Derive IDs (above) to read where the objects are and to steer.`;
  return `Switched to ${name}.${asked}${bank}`;
}

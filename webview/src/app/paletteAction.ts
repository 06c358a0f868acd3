import type { PaletteAction } from '../../../protocol/webview';
import { closedObjectWords, objectsNamedIn, templateMatching, templatesOf } from '../logic/questions';
import type { Controller } from './controller';

/**
 * A palette command (Steer Object..., Run Mirror Patching Sweep) run in the panel: the question
 * goes into the question box (as its template when it is one, so the answer words come with it),
 * then the panel runs it and steers or sweeps exactly as the clicks would, so the result shows
 * here and is recorded in the panel's experiment. A step the panel refuses says why in the panel.
 */
export async function performPaletteAction(controller: Controller, action: PaletteAction): Promise<void> {
  const s = controller.state;
  if (!s) return;
  const closed = closedObjectWords(s.init);
  const named = closed ? objectsNamedIn(action.question, closed) : action.kind === 'steer' ? [action.object] : [];
  const [objectA = '', objectB = ''] = named;
  const templateIndex = templateMatching(action.question, templatesOf(s.init), objectA, objectB);
  controller.setQuestion({ question: action.question, templateIndex, objectA, objectB, answerText: '' });
  if ((await controller.run()) === null) return;
  if (action.kind === 'steer') {
    await controller.steerTo(action.targetCell, action.object);
  } else {
    // the palette's "On an image..." is this picture's sweep, not a held-out batch
    controller.setSweepBatch(0);
    await controller.sweepPatches();
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The body of a `paletteAction` message, or the reason it is not one. */
export function parsePaletteAction(body: unknown): { ok: true; action: PaletteAction } | { ok: false; error: string } {
  if (!isObject(body) || typeof body.question !== 'string' || body.question.trim() === '') return { ok: false, error: 'paletteAction: needs a question' };
  if (body.kind === 'sweepPatches') return { ok: true, action: { kind: 'sweepPatches', question: body.question } };
  if (body.kind === 'steer') {
    if (typeof body.object !== 'string' || !body.object.trim() || !Number.isInteger(body.targetCell) || (body.targetCell as number) < 0) {
      return { ok: false, error: 'paletteAction: a steer needs an object and a whole target cell' };
    }
    return { ok: true, action: { kind: 'steer', question: body.question, object: body.object, targetCell: body.targetCell as number } };
  }
  return { ok: false, error: `paletteAction: unknown kind ${JSON.stringify(body.kind)}` };
}

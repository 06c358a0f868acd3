import { ErrorCodes } from '../../../protocol/errors';
import type { ProbeParams, ProbeResult } from '../../../protocol/requests';
import { RequestFailed } from '../hostBridge';
import type { AskedQuestion } from '../logic/questions';
import type { Requester } from './controllerTypes';

/**
 * A question's run keeps the model's answer whatever happens to its objects (issue 18.3): a
 * question naming no object the model reads, or objects the probe cannot find in the prompt,
 * gives the answer and the tokens with a visible note, never an error that hides the answer.
 */

/** Why a question's objects are not read before any request: none named (or none the model's closed vocabulary has). */
export function unreadObjectsNote(asked: AskedQuestion, closedVocabulary: boolean, hasBank: boolean): string | null {
  if (asked.objects.length) return null;
  if (closedVocabulary) return 'The question names no object this model reads (a colour and a shape, e.g. "red circle"; words it lacks are marked <unk> in the tokens below): the answer is shown, with no heatmap.';
  return hasBank ? 'No object names were given: name the objects beside the question (as the question writes them) to see where the model places them.' : null;
}

/** The run's probe, with an object-word failure (a bad question or request) turned into a note; any other failure, cancellation included, is thrown. */
export async function probeOrNote(requester: Requester, probe: ProbeParams | null): Promise<{ result: ProbeResult | null; note: string | null }> {
  if (!probe) return { result: null, note: null };
  try {
    return { result: await requester.request('spatialIds/probe', probe), note: null };
  } catch (error) {
    const objectProblem = error instanceof RequestFailed && (error.code === ErrorCodes.badQuestion || error.code === ErrorCodes.badRequest);
    if (!objectProblem) throw error;
    return { result: null, note: `Where the objects are was not read: ${error.message}` };
  }
}

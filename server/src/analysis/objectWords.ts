import { ErrorCodes } from '../../../protocol/errors';
import { CodedError } from '../../../protocol/errors';
import { COLOUR_NAMES, Colour, SHAPE_NAMES, Shape, isColour, isShape } from '../scenes/vocabulary';

/** Object words of the scene engine's world ("red circle") and the default pairs the IDs average over. */

export interface ObjectIdentity {
  colour: Colour;
  shape: Shape;
}

/** Objects the ID derivation averages over by default: distinct colours and shapes, so no pair shares a word. */
export const DEFAULT_ID_OBJECTS = ['red circle', 'blue square', 'green triangle', 'yellow star'];

export function parseObjectWord(word: string): ObjectIdentity {
  const [colour, shape, ...rest] = word.trim().toLowerCase().split(/\s+/);
  if (rest.length || !colour || !shape || !isColour(colour) || !isShape(shape)) {
    throw new CodedError(
      ErrorCodes.badQuestion,
      `Unknown object word "${word}": name an object as "<colour> <shape>" with a colour of ${COLOUR_NAMES.join(', ')} and a shape of ${SHAPE_NAMES.join(', ')}.`,
    );
  }
  return { colour, shape };
}

export const objectWord = (o: ObjectIdentity) => `${o.colour} ${o.shape}`;

/** Every ordered pair of distinct objects. */
export function orderedPairs<T>(items: readonly T[]): [T, T][] {
  return items.flatMap((a, i) => items.flatMap((b, j) => (i === j ? [] : [[a, b] as [T, T]])));
}

/**
 * The "colour shape" objects a question names, in order of appearance: the default for a request
 * that names none (the CLI, hand-written experiment files). Only the scene engine's closed
 * vocabulary can be found in a question's text; free names ("traffic light") come with the request
 * (ProbeParams.objects: the panel always sends them, from its template or the user's fields).
 */
export function objectsInQuestion(question: string): string[] {
  const words = question.toLowerCase().match(/[a-z]+/g) ?? [];
  const out: string[] = [];
  for (let i = 0; i + 1 < words.length; i++) if (isColour(words[i]) && isShape(words[i + 1])) out.push(`${words[i]} ${words[i + 1]}`);
  return out;
}

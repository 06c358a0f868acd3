import type { NormalisedBox } from '../../../protocol/requests';
import { numberValue } from './numberOption';
import { UsageError } from './usageError';

/**
 * `--boxes "dog=0.1,0.2,0.3,0.4;traffic light=0.5,0.1,0.2,0.3"`: each object's ground-truth box
 * as x,y,width,height normalised to the picture (0..1 of its width and height, top left origin),
 * as probe requests take them. Only text becomes numbers here: the bounds (fractions, a box inside
 * the picture) are the request schema's, checked with the other options.
 */
export function parseBoxes(value: string | undefined): Record<string, NormalisedBox> | undefined {
  if (value === undefined) return undefined;
  const boxes: Record<string, NormalisedBox> = {};
  for (const part of value.split(';').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const object = eq > 0 ? part.slice(0, eq).trim() : '';
    const numbers = eq > 0 ? part.slice(eq + 1).split(',') : [];
    if (!object || numbers.length !== 4) {
      throw new UsageError(`--boxes takes "object=x,y,width,height" per object, separated by ";", normalised to the picture (0..1), e.g. "dog=0.1,0.6,0.25,0.3" (got "${part}").`);
    }
    if (object in boxes) throw new UsageError(`--boxes gives "${object}" twice.`);
    const [x, y, width, height] = numbers.map((n) => numberValue('boxes', n) as number);
    boxes[object] = { x, y, width, height };
  }
  if (Object.keys(boxes).length === 0) throw new UsageError('--boxes names no box: give "object=x,y,width,height" per object.');
  return boxes;
}

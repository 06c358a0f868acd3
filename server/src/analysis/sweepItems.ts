import type { MediaRef } from '../../../protocol/requests';
import type { ModelRunner } from '../run/modelRunner';
import { mirrorScene, recolourScene, timeReversedClip } from '../scenes/generators';
import { RgbImage, renderClip, renderScene } from '../scenes/renderScene';
import { COLOUR_NAMES } from '../scenes/vocabulary';
import { AnalysisContext, badAnalysisRequest, checkCancelled, yieldToCancel } from './analysisContext';
import { RelationItem } from './heldOutItems';
import { objectsInQuestion } from './objectWords';
import { SweepItem } from './sweepPatches';
import { answerWordsOf } from '../run/tokenPositions';

/**
 * The twins a patching sweep needs. Scene-engine items: the mirrored scene (horizontal for
 * left/right, vertical for above/below), the time-reversed clip, and the recoloured twin as the
 * control (the unnamed third object recoloured, so the question still has its answer). A user's file: the picture flipped pixel-wise (or the frames reversed); no attribute
 * control, since recolouring needs to know where the objects are.
 */

function unusedColour(item: RelationItem): string {
  const used = new Set(item.scene.objects.map((o) => o.colour));
  return COLOUR_NAMES.find((c) => !used.has(c))!;
}

export async function sweepItemFromScene(item: RelationItem): Promise<SweepItem> {
  const distractor = item.scene.objects.length - 1;
  if (distractor < 2) throw badAnalysisRequest('The attribute-swap control needs a third object that the question does not name: draw items with a distractor.');
  const objects: [string, string] = [item.subject, item.other];
  const base = { question: item.question, answers: item.answers, objects };
  if (item.clip) {
    const reversed = await renderClip(timeReversedClip(item.clip));
    const recoloured = await renderClip({ ...item.clip, scene: recolourScene(item.clip.scene, distractor, unusedColour(item)) });
    return { ...base, media: { frames: item.frames! }, mirror: { frames: reversed }, attribute: { frames: recoloured } };
  }
  const axis = item.relation === 'aboveBelow' ? 'vertical' : 'horizontal';
  return {
    ...base,
    media: { pixels: item.pixels! },
    mirror: { pixels: await renderScene(mirrorScene(item.scene, axis)) },
    attribute: { pixels: await renderScene(recolourScene(item.scene, distractor, unusedColour(item))) },
  };
}

/**
 * Mirrors an image in place (a pixel permutation, as sharp's flop/flip): no second copy of a
 * large picture. Yields to the event loop every few rows so a cancel can arrive.
 */
export async function mirrorInPlace(img: RgbImage, axis: 'horizontal' | 'vertical', ctx: AnalysisContext = {}): Promise<void> {
  const { width, height, data } = img;
  const row = width * 3;
  const rowsPerYield = Math.max(1, Math.floor(4_000_000 / Math.max(1, row)));
  if (axis === 'horizontal') {
    for (let y = 0; y < height; y++) {
      if (y % rowsPerYield === rowsPerYield - 1) await yieldToCancel(ctx);
      const base = y * row;
      for (let a = 0, b = width - 1; a < b; a++, b--) {
        for (let c = 0; c < 3; c++) {
          const t = data[base + a * 3 + c];
          data[base + a * 3 + c] = data[base + b * 3 + c];
          data[base + b * 3 + c] = t;
        }
      }
    }
    return;
  }
  const tmp = new Uint8Array(row);
  for (let top = 0, bottom = height - 1; top < bottom; top++, bottom--) {
    if (top % rowsPerYield === rowsPerYield - 1) await yieldToCancel(ctx);
    tmp.set(data.subarray(top * row, (top + 1) * row));
    data.copyWithin(top * row, bottom * row, (bottom + 1) * row);
    data.set(tmp, bottom * row);
  }
}

/**
 * A sweep item for a user's picture or video and question. The file is decoded as every forward
 * pass decodes it (a video: the model's frame count at the encoder's size) and encoded at once,
 * so only the encoder's features are kept, never the decoded pixels.
 */
export async function sweepItemFromFile(runner: ModelRunner, media: MediaRef, question: string, ctx: AnalysisContext = {}, named: { objects?: string[]; answers?: string[] } = {}): Promise<SweepItem> {
  const answers = named.answers ?? answerWordsOf(question);
  const objects = named.objects ?? objectsInQuestion(question);
  if (answers.length !== 2) throw badAnalysisRequest(`The question has no two answer words ("... left or right ..."): give them as answers, since a sweep measures how patching moves between them.`);
  if (objects.length !== 2) throw badAnalysisRequest(`The sweep needs the question's two objects (found ${objects.length} "<colour> <shape>" names): name them as objects, e.g. ["dog", "traffic light"].`);
  const pair: [string, string] = [answers[0], answers[1]];
  const base = { question, answers: pair, objects: [objects[0], objects[1]] as [string, string] };
  const decoded = await runner.decodeMedia(media);
  checkCancelled(ctx);
  if ('frames' in decoded) {
    const encoded = await runner.encode(decoded);
    const reversed = await runner.encode({ frames: [...decoded.frames].reverse() });
    return { ...base, media: { encoded }, mirror: { encoded: reversed } };
  }
  const encoded = await runner.encode(decoded);
  await mirrorInPlace(decoded.pixels, pair.includes('above') ? 'vertical' : 'horizontal', ctx);
  return { ...base, media: { encoded }, mirror: { encoded: await runner.encode(decoded) } };
}

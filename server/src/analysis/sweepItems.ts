import sharp from 'sharp';
import { loadImageFile } from '../media/imageFile';
import { loadVideoFrames } from '../media/videoFile';
import type { MediaRef } from '../protocol/spatialIdsProtocol';
import type { ModelRunner } from '../run/modelRunner';
import { mirrorScene, recolourScene, timeReversedClip } from '../scenes/generators';
import { RgbImage, renderClip, renderScene } from '../scenes/renderScene';
import { COLOUR_NAMES } from '../scenes/vocabulary';
import { badAnalysisRequest } from './analysisContext';
import { RelationItem } from './heldOutItems';
import { objectsInQuestion } from './objectWords';
import { SweepItem } from './patchSweep';
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

async function flipImage(img: RgbImage, axis: 'horizontal' | 'vertical'): Promise<RgbImage> {
  const s = sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } });
  const { data, info } = await (axis === 'horizontal' ? s.flop() : s.flip()).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** A sweep item for a user's picture or video and question. */
export async function sweepItemFromFile(runner: ModelRunner, media: MediaRef, question: string): Promise<SweepItem> {
  const answers = answerWordsOf(question);
  const objects = objectsInQuestion(question);
  if (answers.length !== 2) throw badAnalysisRequest(`The question has no two answer words ("... left or right ..."): a sweep measures how patching moves between them.`);
  if (objects.length !== 2) throw badAnalysisRequest(`The question must name two objects as "<colour> <shape>" (found ${objects.length}).`);
  const pair: [string, string] = [answers[0], answers[1]];
  if ('video' in media) {
    const count = runner.model.folder.processor.num_frames;
    if (!count) throw badAnalysisRequest('This model takes no video.');
    const { frames } = await loadVideoFrames(media.video, count);
    return { media: { frames }, mirror: { frames: [...frames].reverse() }, question, answers: pair, objects: [objects[0], objects[1]] };
  }
  const img = await loadImageFile(media.image);
  const axis = pair.includes('above') ? 'vertical' : 'horizontal';
  return { media: { pixels: img }, mirror: { pixels: await flipImage(img, axis) }, question, answers: pair, objects: [objects[0], objects[1]] };
}

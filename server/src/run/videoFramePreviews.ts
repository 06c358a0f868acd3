import type { FramePreview } from '../../../protocol/requests';
import { framePreviewDataUrl } from '../media/framePreview';
import type { RgbImage } from '../scenes/renderScene';
import { throwIfCancelled } from './cancellation';
import type { ModelRunner } from './modelRunner';

/**
 * The frames a video run feeds the model, for the panel's frame strip: decoded and sampled by
 * the same call as every forward pass (ModelRunner.decodeMedia), so the strip shows exactly
 * the model's frames, each with its index and time in the clip and a small PNG.
 */

export async function videoFramePreviews(runner: ModelRunner, video: string, signal: AbortSignal | undefined = runner.cancellation): Promise<FramePreview[]> {
  const decoded = await runner.decodeMedia({ video }, signal);
  if (!('frames' in decoded)) throw new Error(`${video} decoded as an image, not as a video.`);
  // a clip shorter than the model's frame count repeats frames: encode each decoded frame once
  const urls = new Map<RgbImage, Promise<string>>();
  const images: string[] = [];
  for (const frame of decoded.frames) {
    throwIfCancelled(signal);
    if (!urls.has(frame)) urls.set(frame, framePreviewDataUrl(frame));
    images.push(await urls.get(frame)!);
  }
  return decoded.times.map((t, i) => ({ index: t.index, seconds: t.seconds, image: images[i] }));
}

import * as path from 'node:path';
import '../onnxRuntime'; // telemetry off before transformers.js loads the one onnxruntime-node copy
import { AutoProcessor, RawImage, Tensor, env } from '@huggingface/transformers';
import type { RgbImage } from '../../scenes/renderScene';

/**
 * The one door to @huggingface/transformers: its processors (image preprocessing, tiling,
 * placeholder expansion) and chat templates are the family-specific code we do not rewrite.
 * It only ever reads the local folder it is given: remote loading and its file cache are off
 * before anything is loaded, and folders are passed as absolute paths (a relative path reads
 * as a hub id). A test proves no socket is opened.
 */

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.useFSCache = false;
env.useBrowserCache = false;
// Absolute folder paths are joined onto localModelPath: the file system root keeps them as they are.
env.localModelPath = path.parse(process.cwd()).root;

export type Processor = Awaited<ReturnType<typeof AutoProcessor.from_pretrained>>;
export type ProcessorOutputs = Record<string, Tensor>;
export { RawImage, Tensor };

export async function loadProcessor(dir: string): Promise<Processor> {
  return AutoProcessor.from_pretrained(path.resolve(dir), { local_files_only: true });
}

export function rawImageOf(image: RgbImage): RawImage {
  return new RawImage(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height, 3);
}

/** A transformers.js integer tensor's values as numbers. */
export function intValues(t: Tensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

// First: transformers.js's env (offline, no file cache) is set there before the library loads anything.
import { Processor, ProcessorOutputs, RawImage, loadProcessor } from '../../src/model/families/transformersJs';
import { AutoProcessor } from '@huggingface/transformers';
import { usePilResampling } from '../../src/media/transformersResize';
import { gemma3 } from '../../src/model/families/gemma3';
import { idefics3 } from '../../src/model/families/idefics3';
import { llava } from '../../src/model/families/llava';
import type { FamilyProcessing } from '../../src/model/families/processorModel';
import { qwen2vl } from '../../src/model/families/qwen2vl';
import type { ModelFolder } from '../../src/model/modelFolder';
import type { Twin } from './twinFixtures';

/**
 * For the stock transformers.js parity test: a twin's processor two ways. `ours` is built the
 * way processorModel.ts builds it (Hugging Face's defaults for absent keys, PIL resampling, the
 * family's corrections, the family's call), from the package's exports, so nothing of the
 * server is opened up for the test; `stock` is AutoProcessor as transformers.js ships it,
 * called the library's default way.
 */

const PROCESSING: Record<string, FamilyProcessing> = { 'llava-1.5': llava, 'qwen2-vl': qwen2vl, smolvlm: idefics3, 'gemma-3': gemma3 };

export function processingOf(twin: Twin): FamilyProcessing {
  const spec = PROCESSING[twin.name];
  if (!spec) throw new Error(`No family processing listed for the ${twin.name} twin.`);
  return spec;
}

/** Our processor for a twin, as ProcessorModel.open makes it. */
export async function ourProcessor(twin: Twin, folder: ModelFolder): Promise<Processor> {
  const processor = await loadProcessor(twin.dir);
  const images = (processor as unknown as { image_processor: Record<string, unknown> }).image_processor;
  const cfg = folder.preprocessor as Record<string, unknown>;
  // As processorModel.ts's makeFaithful: Hugging Face resizes and normalises when the keys are absent.
  if (cfg.do_normalize === undefined) images.do_normalize = true;
  if (cfg.do_resize === undefined) images.do_resize = true;
  usePilResampling(processor);
  processingOf(twin).adjust?.(processor, folder);
  return processor;
}

export async function ourOutputs(twin: Twin, processor: Processor, text: string, image: RawImage): Promise<ProcessorOutputs> {
  return processingOf(twin).process(processor, text, image);
}

/** transformers.js's own processor, its own default call (LLaVA's takes the images first). */
export async function stockOutputs(twin: Twin, text: string, image: RawImage): Promise<ProcessorOutputs> {
  const processor = await AutoProcessor.from_pretrained(twin.dir, { local_files_only: true });
  const call = processor as unknown as (a: unknown, b: unknown) => Promise<ProcessorOutputs>;
  return (twin.modelType === 'llava' ? call(image, text) : call(text, image)) as Promise<ProcessorOutputs>;
}

import * as path from 'node:path';
import { ProtobufError } from '../graph/protobufWire';
import { GraphInstrumentationError } from '../graph/residualSites';
import { ModelFolderError, OnnxVariant, openModelFolder } from '../model/modelFolder';
import { ModelRunner } from '../run/modelRunner';
import { ModelLoadError, errorCodeOf, messageOf } from './requestErrors';

/**
 * Loads a model folder into a run API runner (server and CLI alike), turning what the graph
 * parser and onnxruntime say about a damaged or foreign file into a message that names the file
 * and the fix.
 */

export interface LoadRunnerOptions {
  threads?: number;
  /** Which of the folder's dtypes (default fp32). */
  dtype?: OnnxVariant;
  /** Where instrumented graphs are cached (default: the run API's, under XDG_CACHE_HOME). */
  cacheDir?: string;
  executionProviders?: string[];
}

function decoderFile(dir: string, dtype?: OnnxVariant): string {
  try {
    return openModelFolder(dir, { variant: dtype }).onnx.decoder;
  } catch {
    return path.join(dir, 'onnx', 'decoder_model_merged.onnx');
  }
}

export function explainLoadFailure(error: unknown, dir: string, dtype?: OnnxVariant): Error {
  if (error instanceof ProtobufError) {
    return new ModelLoadError(`${decoderFile(dir, dtype)} cannot be read as an ONNX model (${error.message}): the file is damaged or cut short. Copy or export it again.`);
  }
  if (error instanceof GraphInstrumentationError) {
    return new ModelLoadError(`${decoderFile(dir, dtype)} cannot be instrumented: ${error.message}. Check that it is the model's decoder_model_merged graph (it takes inputs_embeds and returns logits).`);
  }
  if (error instanceof ModelFolderError || errorCodeOf(error) !== undefined) return error as Error;
  // onnxruntime refusing a graph: a damaged encoder, an operator it lacks, a missing .onnx_data
  const wrapped = new ModelLoadError(`The model in ${dir} could not be loaded: ${messageOf(error)}`);
  wrapped.cause = error;
  return wrapped;
}

export async function loadRunner(dir: string, opts: LoadRunnerOptions = {}): Promise<ModelRunner> {
  const resolved = path.resolve(dir);
  try {
    return await ModelRunner.load(resolved, { threads: opts.threads, variant: opts.dtype, cacheDir: opts.cacheDir, executionProviders: opts.executionProviders });
  } catch (e) {
    throw explainLoadFailure(e, resolved, opts.dtype);
  }
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from '../../src/model/onnxRuntime';
import { fuseSkipSimplifiedNorm, mergeWithUseCacheIf, moveWeightsToExternalData } from './decoderVariants';

/**
 * Copies of a model folder whose decoder has another layout, for testing that capture and
 * intervention give the same numbers whatever the export looks like:
 * - fused: optimised by onnxruntime (level 'extended'), then residual Add + SimplifiedLayerNormalization
 *   fused into SkipSimplifiedLayerNormalization, as the transformer optimizer writes Llama graphs;
 * - external-data: every initializer moved to `decoder_model_merged.onnx_data`;
 * - if-merged: an optimum-style decoder with a `use_cache_branch` If.
 * Test support, not shipped; `node out/server/test/tools/makeDecoderVariant.js` writes one to inspect by hand.
 */

export type DecoderVariantKind = 'fused' | 'external-data' | 'if-merged';
export const DECODER_VARIANT_KINDS: readonly DecoderVariantKind[] = ['fused', 'external-data', 'if-merged'];

/** onnxruntime's own graph optimisation (level 'extended': RMSNorm -> SimplifiedLayerNormalization, ...). */
export async function ortOptimized(bytes: Uint8Array): Promise<Uint8Array> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sil-graph-'));
  const file = path.join(dir, 'optimized.onnx');
  try {
    const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'extended', optimizedModelFilePath: file });
    await s.release();
    return new Uint8Array(fs.readFileSync(file));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const DECODER = 'decoder_model_merged.onnx';

/** Writes `outDir`: a copy of `srcDir` with the fp32 decoder replaced by the chosen variant. Refuses an existing outDir. */
export async function makeDecoderVariantFolder(srcDir: string, outDir: string, kind: DecoderVariantKind): Promise<string> {
  const source = path.join(srcDir, 'onnx', DECODER);
  if (!fs.existsSync(source)) throw new Error(`${srcDir} has no onnx/${DECODER}: point it at a model folder in the onnx-community layout.`);
  if (fs.existsSync(outDir)) throw new Error(`${outDir} exists already: choose a new folder (nothing is written over).`);
  fs.mkdirSync(path.join(outDir, 'onnx'), { recursive: true });
  for (const entry of fs.readdirSync(srcDir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.json')) fs.copyFileSync(path.join(srcDir, entry.name), path.join(outDir, entry.name));
  }
  for (const name of fs.readdirSync(path.join(srcDir, 'onnx'))) {
    if (name !== DECODER && !name.startsWith(`${DECODER}_data`)) fs.copyFileSync(path.join(srcDir, 'onnx', name), path.join(outDir, 'onnx', name));
  }
  const bytes = new Uint8Array(fs.readFileSync(source));
  const target = path.join(outDir, 'onnx', DECODER);
  if (kind === 'fused') fs.writeFileSync(target, fuseSkipSimplifiedNorm(await ortOptimized(bytes)));
  else if (kind === 'if-merged') fs.writeFileSync(target, mergeWithUseCacheIf(bytes));
  else {
    const { model, data } = moveWeightsToExternalData(bytes, `${DECODER}_data`);
    fs.writeFileSync(target, model);
    fs.writeFileSync(`${target}_data`, data);
  }
  return outDir;
}

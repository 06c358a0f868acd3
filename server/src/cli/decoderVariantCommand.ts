import { parseArgs } from 'node:util';
import { DECODER_VARIANT_KINDS, DecoderVariantKind, makeDecoderVariantFolder } from '../graph/decoderVariantFolder';
import type { CliCommand } from './commands';
import { UsageError } from './usageError';

export const decoderVariantCommand: CliCommand = {
  summary: 'Copy a model folder with its decoder fused by onnxruntime, moved to external data, or If-merged (layout tests)',
  async run(args) {
    const { values } = parseArgs({ args, options: { model: { type: 'string' }, out: { type: 'string' }, kind: { type: 'string' } } });
    const kind = values.kind as DecoderVariantKind | undefined;
    if (!values.model || !values.out || !kind || !DECODER_VARIANT_KINDS.includes(kind)) {
      throw new UsageError(`make-decoder-variant --model <folder> --out <new folder> --kind ${DECODER_VARIANT_KINDS.join('|')}`);
    }
    const out = await makeDecoderVariantFolder(values.model, values.out, kind);
    process.stdout.write(`${JSON.stringify({ out, kind })}\n`);
  },
};

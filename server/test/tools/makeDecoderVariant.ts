import { parseArgs } from 'node:util';
import { DECODER_VARIANT_KINDS, DecoderVariantKind, makeDecoderVariantFolder } from '../support/decoderVariantFolder';

/**
 * Dev script, not a user command: copies a model folder with its decoder fused by onnxruntime,
 * moved to external data, or If-merged, the layouts the graph and run tests check; run it to
 * look at one by hand:
 *   npx tsc -b && node out/server/test/tools/makeDecoderVariant.js --model models/tiny-spatial-vlm --out /tmp/fused --kind fused
 */

async function main(argv: string[]): Promise<number> {
  const usage = `usage: node out/server/test/tools/makeDecoderVariant.js --model <folder> --out <new folder> --kind ${DECODER_VARIANT_KINDS.join('|')}`;
  let values: { model?: string; out?: string; kind?: string };
  try {
    ({ values } = parseArgs({ args: argv, options: { model: { type: 'string' }, out: { type: 'string' }, kind: { type: 'string' } } }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${usage}\n`);
    return 2;
  }
  const kind = values.kind as DecoderVariantKind | undefined;
  if (!values.model || !values.out || !kind || !DECODER_VARIANT_KINDS.includes(kind)) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const out = await makeDecoderVariantFolder(values.model, values.out, kind);
  process.stdout.write(`${JSON.stringify({ out, kind })}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  },
);

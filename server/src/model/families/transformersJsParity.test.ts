import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
// First: transformers.js offline (transformersJs.ts sets its env before the library loads a file).
import { ProcessorOutputs, RawImage, intValues, rawImageOf } from './transformersJs';
import { AutoModelForImageTextToText } from '@huggingface/transformers';
import { loadImageFile } from '../../media/imageFile';
import { ModelRunner, RunOutput } from '../../run/modelRunner';
import { makeTempDir } from '../../../test/support/sceneFixture';
import { PHOTO, TWINS, Twin, lastRow, maxAbsDiff, skipUnlessPresent, whereMaxDiff } from '../../../test/support/twinFixtures';
import { ourOutputs, ourProcessor, stockOutputs } from '../../../test/support/twinProcessors';

/**
 * Each twin through stock transformers.js against our runtime: the family's transformers.js
 * model class, loaded offline from the twin folder, run on exactly the processor outputs our
 * ProcessorModel feeds (same ids, same PIL-resampled pixel_values) must give our logits: the
 * merge, position ids (Qwen2-VL's M-RoPE included) and instrumented decoder change nothing.
 * Tolerance 1e-4 on logits (the bound; the two share the ORT kernels, so in practice 0).
 *
 * Then transformers.js's own processor, called its default way, against ours: the same ids
 * except where we correct it (LLaVA: one image token fewer for vision_feature_select_strategy
 * "default", as Hugging Face counts; Gemma-3: no second <bos>, the template writes one). Its
 * pixel values differ from ours by sharp's resampling against PIL's; the size of that
 * difference is reported as a diagnostic, not asserted (it is what our resampler is for).
 */

const TOLERANCE = 1e-4;

interface StockModel {
  (inputs: ProcessorOutputs): Promise<{ logits: { data: Float32Array; dims: number[] } }>;
  constructor: { name: string };
  dispose(): Promise<unknown>;
}

const cacheDir = makeTempDir('twins-tjs-graphs');
after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

const countOf = (ids: readonly number[], id: number) => ids.filter((x) => x === id).length;

for (const twin of TWINS) {
  describe(`${twin.name} twin: stock transformers.js against ours`, { skip: skipUnlessPresent(twin) }, () => {
    let runner: ModelRunner;
    let stock: StockModel;
    let image: RawImage;
    let run: RunOutput;
    let fed: ProcessorOutputs;
    before(async () => {
      runner = await ModelRunner.load(twin.dir, { cacheDir, threads: 1 });
      const question = 'Is the red circle to the left or right of the blue square?';
      run = await runner.forward({ media: { image: PHOTO }, question, maxNewTokens: 1 });
      image = rawImageOf(await loadImageFile(PHOTO));
      fed = await ourOutputs(twin, await ourProcessor(twin, runner.model.folder), run.prompt.text, image);
      stock = (await AutoModelForImageTextToText.from_pretrained(twin.dir, { dtype: 'fp32', local_files_only: true })) as unknown as StockModel;
    });
    after(async () => {
      await stock?.dispose();
      await runner?.dispose();
    });

    test('the processor outputs rebuilt here are the ones our runtime fed (same ids)', () => {
      assert.deepEqual(intValues(fed.input_ids), run.prompt.ids);
    });

    test(`the family's transformers.js class gives our logits within ${TOLERANCE} (last position, and every position)`, async (t) => {
      const out = await stock(fed);
      const vocab = out.logits.dims[out.logits.dims.length - 1];
      t.diagnostic(`stock class ${stock.constructor.name}`);
      const last = lastRow(out.logits.data, vocab);
      const ours = lastRow(run.logits, vocab);
      const diff = maxAbsDiff(last, ours);
      t.diagnostic(`last-position logits: max |stock - ours| = ${diff}`);
      assert.ok(diff <= TOLERANCE, `last-position logits differ by ${diff} at ${whereMaxDiff(last, ours, vocab)}`);
      const all = maxAbsDiff(out.logits.data, run.logits);
      assert.ok(all <= TOLERANCE, `logits differ by ${all} at ${whereMaxDiff(out.logits.data, run.logits, vocab)}`);
    });

    test('stock processor ids equal ours but for the documented fixes; pixel_values differ by sharp vs PIL only', async (t) => {
      const theirs = await stockOutputs(twin, run.prompt.text, image);
      const stockIds = intValues(theirs.input_ids);
      const ours = run.prompt.ids;
      const imageId = runner.model.folder.config.image_token_index;
      expectStockIds(twin, stockIds, ours, imageId);
      const a = theirs.pixel_values.data as Float32Array;
      const b = fed.pixel_values.data as Float32Array;
      assert.deepEqual(theirs.pixel_values.dims, fed.pixel_values.dims, 'same pixel_values shape');
      t.diagnostic(`pixel_values, stock (sharp) vs ours (PIL): max |diff| ${maxAbsDiff(a, b).toFixed(4)} (normalised units)`);
    });
  });
}

/** What transformers.js's default processor call gives, against our ids. */
function expectStockIds(twin: Twin, stockIds: number[], ours: readonly number[], imageId: number): void {
  if (twin.modelType === 'llava') {
    // transformers.js counts (side/patch)^2 + num_additional_image_tokens; Hugging Face drops the CLS token for "default".
    assert.equal(countOf(stockIds, imageId), countOf(ours, imageId) + 1, 'stock LLaVA has exactly one more image token');
    const first = stockIds.indexOf(imageId);
    assert.deepEqual([...stockIds.slice(0, first), ...stockIds.slice(first + 1)], [...ours], 'and is otherwise the same prompt');
  } else if (twin.modelType === 'gemma3') {
    // The chat template writes <bos>; the stock default call (add_special_tokens) adds another.
    assert.equal(stockIds[0], ours[0], 'both start with <bos>');
    assert.deepEqual(stockIds, [ours[0], ...ours], 'stock Gemma-3 has exactly one extra <bos>');
  } else {
    assert.deepEqual(stockIds, [...ours]);
  }
}

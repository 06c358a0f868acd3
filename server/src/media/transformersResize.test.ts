import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { AutoImageProcessor, AutoProcessor, ConvNextImageProcessor, RawImage, SiglipImageProcessor, Tensor, env } from '@huggingface/transformers';
import { usePilResampling } from './transformersResize';

/**
 * transformers.js image processors with usePilResampling against numpy/PIL mirrors of Hugging
 * Face's (PIL-based) processors, written by test/fixtures/resample/make_resample_fixtures.py from
 * the same preprocessor_config.json. Tolerance 1e-6: both sides rescale and normalise the same
 * uint8 pixels in float32 (HF in float32 arithmetic, transformers.js in double then rounded), so
 * only float32 rounding may differ; one grey level is 1/255/std >= 7.8e-3.
 */

const ROOT = path.resolve(__dirname, '../../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/resample');
const BUNDLED = path.join(ROOT, 'models/tiny-spatial-vlm');
const TOLERANCE = 1e-6;

interface ProcessorCase {
  name: string;
  image: string;
  config: Record<string, unknown>;
  call_options: Record<string, unknown>;
  pixel_values: { dims: number[]; offset: number; length: number };
  image_grid_thw?: number[];
  rows?: number[][];
  cols?: number[][];
}
const index = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'index.json'), 'utf8')) as {
  images: Record<string, { file: string }>;
  processors: ProcessorCase[];
};
const blob = zlib.gunzipSync(fs.readFileSync(path.join(FIXTURES, 'processors.f32.gz')));

env.allowRemoteModels = false;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pil-resize-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Callable = ((...args: unknown[]) => Promise<Record<string, unknown>>) & Record<string, unknown>;

async function loadProcessor(c: ProcessorCase): Promise<Callable> {
  const dir = path.join(tmp, c.name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'preprocessor_config.json'), JSON.stringify(c.config));
  return (await AutoImageProcessor.from_pretrained(dir)) as unknown as Callable;
}

async function loadImage(name: string): Promise<RawImage> {
  const { data, info } = await sharp(path.join(FIXTURES, index.images[name].file)).raw().toBuffer({ resolveWithObject: true });
  return new RawImage(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height, info.channels as 3);
}

function expected(c: ProcessorCase): Float32Array {
  const { offset, length } = c.pixel_values;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = blob.readFloatLE(offset + i * 4);
  return out;
}

function diff(got: Tensor, want: Float32Array): { max: number; mean: number } {
  assert.equal(got.data.length, want.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs((got.data as Float32Array)[i] - want[i]);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / want.length };
}

const fmt = (d: { max: number; mean: number }) => `max ${d.max.toExponential(2)}, mean ${d.mean.toExponential(2)}`;

for (const c of index.processors) {
  test(`${c.name} (resample ${String(c.config.resample)}): pixel_values equal the PIL mirror of Hugging Face within ${TOLERANCE}`, async (t) => {
    const image = await loadImage(c.image);
    const options = { ...c.call_options, ...(c.rows ? { return_row_col_info: true } : {}) };
    const want = expected(c);

    const stock = await loadProcessor(c);
    const before = await stock(image, options);
    const patched = await loadProcessor(c);
    usePilResampling(patched);
    const afterPatch = await patched(image, options);

    const pv = afterPatch.pixel_values as Tensor;
    assert.deepEqual(pv.dims, c.pixel_values.dims);
    const d = diff(pv, want);
    const b = (before.pixel_values as Tensor).dims.join() === c.pixel_values.dims.join() ? fmt(diff(before.pixel_values as Tensor, want)) : `dims ${(before.pixel_values as Tensor).dims.join('x')}`;
    t.diagnostic(`${c.name}: stock transformers.js ${b}; with PIL resampling ${fmt(d)}`);
    assert.ok(d.max <= TOLERANCE, `max abs diff ${d.max}`);

    if (c.image_grid_thw) assert.deepEqual(Array.from((afterPatch.image_grid_thw as Tensor).data as BigInt64Array, Number), c.image_grid_thw);
    if (c.rows) {
      assert.deepEqual(afterPatch.rows, c.rows);
      assert.deepEqual(afterPatch.cols, c.cols);
      const mask = afterPatch.pixel_attention_mask as Tensor;
      assert.deepEqual(mask.dims, [c.pixel_values.dims[0], c.pixel_values.dims[1], ...c.pixel_values.dims.slice(3)]);
      assert.ok((mask.data as unknown as boolean[]).every(Boolean), 'one image: every pixel is valid');
    }
    // Installed on that instance only: the stock processor, loaded from the same folder, is unchanged.
    assert.deepEqual(Array.from(((await stock(image, options)).pixel_values as Tensor).data as Float32Array), Array.from((before.pixel_values as Tensor).data as Float32Array));
  });
}

test('idefics3: a batch of two samples with different frame counts is zero-padded and masked', async () => {
  const c = index.processors.find((p) => p.name === 'idefics3')!;
  const patched = await loadProcessor(c);
  usePilResampling(patched);
  const image = await loadImage(c.image);
  const small = new RawImage(new Uint8ClampedArray(20 * 10 * 3).fill(90), 20, 10, 3);
  const out = await patched([[image], [small]], { return_row_col_info: true });
  const pv = out.pixel_values as Tensor;
  const [, frames, , h, w] = c.pixel_values.dims;
  assert.deepEqual(pv.dims, [2, frames, 3, h, w]);
  // 20x10 -> 48x24 (longest_edge) -> 48x24 (vision-encoder multiples): 1x2 tiles + global = 3 frames.
  assert.deepEqual([out.rows, out.cols], [[[2], [1]], [[2], [2]]]);
  const mask = (out.pixel_attention_mask as Tensor).data as unknown as boolean[];
  const frame = h * w;
  assert.ok(mask.slice(0, (frames + 3) * frame).every(Boolean), 'real frames are valid');
  assert.ok(mask.slice((frames + 3) * frame).every((v) => !v), 'padding frames are masked');
  const pad = (pv.data as Float32Array).subarray((frames + 3) * 3 * frame);
  assert.equal(pad.length, (frames - 3) * 3 * frame);
  assert.ok(pad.every((v) => v === 0), 'padding frames are zeros');
  // First sample's frames equal the single-image run.
  const single = (await patched(image, {})).pixel_values as Tensor;
  assert.deepEqual(Array.from((pv.data as Float32Array).subarray(0, single.data.length)), Array.from(single.data as Float32Array));
});

test('through AutoProcessor: the processor\'s image_processor is the one patched', { skip: !fs.existsSync(path.join(BUNDLED, 'tokenizer.json')) && 'no bundled model' }, async () => {
  const processor = (await AutoProcessor.from_pretrained(BUNDLED)) as unknown as { image_processor: Callable };
  const imageProcessor = (await AutoImageProcessor.from_pretrained(BUNDLED)) as unknown as Callable;
  usePilResampling(processor);
  usePilResampling(processor); // idempotent
  usePilResampling(imageProcessor);
  const image = await loadImage('photo' in index.images ? 'photo' : 'gradient');
  const viaProcessor = (await processor.image_processor(image)).pixel_values as Tensor;
  const direct = (await imageProcessor(image)).pixel_values as Tensor;
  assert.deepEqual(Array.from(viaProcessor.data as Float32Array), Array.from(direct.data as Float32Array));
  assert.ok(Object.hasOwn(processor.image_processor, 'resize'), 'resize installed on the instance');
});

test('refuses processors that may resample elsewhere, and what it cannot mirror', () => {
  const convnext = new ConvNextImageProcessor({ size: { shortest_edge: 64 }, resample: 3 } as never);
  assert.throws(() => usePilResampling(convnext), /ConvNextImageProcessor defines resize: it may resize outside ImageProcessor.resize/);
  const thumb = new SiglipImageProcessor({ size: { height: 8, width: 8 }, do_thumbnail: true } as never);
  assert.throws(() => usePilResampling(thumb), /do_thumbnail is not mirrored/);
  const badFilter = new SiglipImageProcessor({ size: { height: 8, width: 8 }, resample: 7 } as never);
  assert.throws(() => usePilResampling(badFilter), /unknown resample 7/);
  assert.throws(() => usePilResampling({}), /expected a transformers.js ImageProcessor/);
});

import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { parseExperimentFile } from '../../../protocol/experiment';
import { paramsSchemaOf } from '../../../protocol/requestSchemas';
import { validateParams } from '../../../protocol/requestValidation';
import { ModelRunner } from '../run/modelRunner';
import { PHOTO, TWINS, skipUnlessPresent } from '../../test/support/twinFixtures';
import { deriveSpatialIds, planSpatialIds } from './deriveSpatialIds';
import type { BankMeta } from './idBank';
import { bankCanvas, boxCentreOnGrid, probeDomain, visibleRegion } from './probeBoxes';
import { probeObjects } from './probeObjects';

/**
 * Probing a photo (not a scene): objects named freely, a box drawn on the picture in
 * normalised coordinates placed on the bank's grid through the part of the picture the model
 * sees, and the probe's domain (a scene-derived bank read on a photo).
 */

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('a CLIP-style centre crop keeps the middle of a wide picture; other processors see all of it', () => {
  // LLaVA-1.5's layout: shortest edge to 336 then a 336 x 336 crop; a 150 x 100 picture keeps its middle 100 x 100
  const llava = { do_center_crop: true, crop_size: { height: 336, width: 336 }, size: { shortest_edge: 336 } };
  const r = visibleRegion(llava, 150, 100);
  close(r.width, 100 / 150);
  close(r.x, (1 - 100 / 150) / 2);
  assert.deepEqual([r.y, r.height], [0, 1]);
  const tall = visibleRegion(llava, 100, 200);
  close(tall.height, 0.5);
  close(tall.y, 0.25);
  for (const p of [{}, { do_center_crop: false, crop_size: 336, size: { shortest_edge: 336 } }, { size: { height: 896, width: 896 } }, null]) {
    assert.deepEqual(visibleRegion(p, 150, 100), { x: 0, y: 0, width: 1, height: 1 }, JSON.stringify(p));
  }
});

test("a box's centre lands on the grid in cell units, through the visible region; outside it is refused", () => {
  const whole = { x: 0, y: 0, width: 1, height: 1 };
  assert.deepEqual(boxCentreOnGrid('dog', { x: 0, y: 0, width: 0.25, height: 0.25 }, whole, 4), { cx: 0.5, cy: 0.5 });
  assert.deepEqual(boxCentreOnGrid('dog', { x: 0.5, y: 0.75, width: 0.5, height: 0.25 }, whole, 4), { cx: 3, cy: 3.5 });
  const crop = { x: 0.25, y: 0, width: 0.5, height: 1 };
  assert.deepEqual(boxCentreOnGrid('dog', { x: 0.25, y: 0, width: 0.5, height: 1 }, crop, 4), { cx: 2, cy: 2 });
  assert.throws(() => boxCentreOnGrid('dog', { x: 0, y: 0, width: 0.1, height: 0.1 }, crop, 4), /box of "dog" is centred outside the part of the picture the model sees \(x 0\.250\.\.0\.750/);
});

test("the domain: a bank's canvas from its metadata (96 px when absent); a picture of another size is a photo", () => {
  const meta = { grid: 4, pairs: [['red circle', 'blue square']] } as unknown as BankMeta;
  assert.deepEqual(bankCanvas(meta), { width: 96, height: 96 });
  const region = { x: 0, y: 0, width: 1, height: 1 };
  assert.equal(probeDomain(meta, { width: 96, height: 96, region }).picture?.kind, 'scene');
  assert.equal(probeDomain(meta, { width: 150, height: 100, region }).picture?.kind, 'photo');
  const drawnAt336 = { ...meta, canvas: { width: 336, height: 336 } } as BankMeta;
  assert.equal(probeDomain(drawnAt336, { width: 336, height: 336, region }).picture?.kind, 'scene');
  assert.equal(probeDomain(drawnAt336, { width: 96, height: 96, region }).picture?.kind, 'photo');
  assert.deepEqual(probeDomain(meta, null), { bank: { derivedOn: 'scenes', grid: 4, canvas: { width: 96, height: 96 } }, picture: null });
});

test('boxes are normalised in requests; a pixel box (older files) is refused saying how to convert it', () => {
  const schema = paramsSchemaOf('spatialIds/probe');
  const base = { media: { image: '/p.png' }, question: 'Where is the dog?', objects: ['dog'] };
  assert.ok(validateParams(schema, { ...base, boxes: { dog: { x: 0.1, y: 0.2, width: 0.3, height: 0.4 } } }, 'probe').ok);
  const pixels = validateParams(schema, { ...base, boxes: { dog: { x: 12, y: 30, width: 14, height: 14 } } }, 'probe');
  assert.equal(pixels.ok, false);
  assert.match(pixels.ok ? '' : pixels.message, /boxes\.dog\.x must be a fraction from 0 to 1 of the picture \(boxes are normalised; .*divide by 96\)/);
  const spill = validateParams(schema, { ...base, boxes: { dog: { x: 0.8, y: 0, width: 0.5, height: 0.5 } } }, 'probe');
  assert.match(spill.ok ? '' : spill.message, /a box inside the picture: x \+ width and y \+ height at most 1/);
  const file = {
    format: 'spatial-id-lens/experiment',
    version: 2,
    model: { bundled: 'tiny-spatial-vlm', decoderHash: null },
    steps: [{ method: 'probe', params: { ...base, boxes: { dog: { x: 12, y: 30, width: 14, height: 14 } } } }],
  };
  assert.throws(() => parseExperimentFile(file, 'old.experiment.json'), /old\.experiment\.json cannot be re-run: .*boxes\.dog\.x must be a fraction from 0 to 1 .*divide by 96/);
});

describe('probe on a photo with free object names and a drawn box, on every family twin', () => {
  const runners: ModelRunner[] = [];
  after(async () => {
    for (const r of runners) await r.dispose();
  });
  const question = 'Is the dog to the left or right of the traffic light?';
  const boxes = { dog: { x: 0.3, y: 0.25, width: 0.2, height: 0.5 }, 'traffic light': { x: 0.55, y: 0.1, width: 0.1, height: 0.3 } };
  for (const twin of TWINS) {
    test(`${twin.name}: finite deviations per layer, the photo named as one`, { skip: skipUnlessPresent(twin) }, async (t) => {
      const runner = await ModelRunner.load(twin.dir, { cacheDir: path.join(os.tmpdir(), 'sil-probe-photo-graphs') });
      runners.push(runner);
      // a small bank (two objects, one size, 2 x 2 cells): the probe's arithmetic, not the IDs' quality, is under test
      const bank = await deriveSpatialIds(runner, planSpatialIds({ objects: ['red circle', 'blue square'], sizes: [14], grid: 2 }));
      const r = await probeObjects(runner, bank, { media: { image: PHOTO }, question, objects: ['dog', 'traffic light'], boxes });
      const L = runner.numLayers;
      assert.deepEqual(r.objects.map((o) => o.object), ['dog', 'traffic light']);
      for (const o of r.objects) {
        assert.equal(o.deviation?.length, L + 1, `${o.object}: one deviation per residual layer`);
        assert.ok(o.deviation!.every((d) => Number.isFinite(d) && d >= 0), `${o.object}: finite deviations ${o.deviation}`);
        assert.ok(o.similarity.every((row) => row.length === 4 && row.every(Number.isFinite)));
        assert.deepEqual(o.box, boxes[o.object as keyof typeof boxes]);
      }
      t.diagnostic(`deviation per layer: ${r.objects.map((o) => `${o.object} ${o.deviation!.map((d) => d.toFixed(3)).join(' ')}`).join('; ')}`);
      assert.notDeepEqual(r.objects[0].deviation, r.objects[1].deviation, 'two objects, two readings');
      const pic = r.domain?.picture;
      assert.deepEqual([pic?.width, pic?.height, pic?.kind, r.domain?.bank.derivedOn], [150, 100, 'photo', 'scenes']);
      if (twin.family === 'llava') {
        close(pic!.region.width, 100 / 150);
        await assert.rejects(probeObjects(runner, bank, { media: { image: PHOTO }, question, objects: ['dog'], boxes: { dog: { x: 0, y: 0, width: 0.1, height: 0.1 } } }), /centred outside the part of the picture the model sees/);
      } else {
        assert.deepEqual(pic!.region, { x: 0, y: 0, width: 1, height: 1 });
      }
      await assert.rejects(probeObjects(runner, bank, { media: { image: PHOTO }, question, objects: ['dog'], boxes }), /Boxes are given for "traffic light", which is not among the objects read/);
    });
  }
});

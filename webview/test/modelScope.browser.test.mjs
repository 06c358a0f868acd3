// What the model can see, in the real panel against the stub host: the scope statement under the
// header (from ModelInfo.scope), the picture as the model receives it (resized to its input size),
// the best layer named with its bank, and heatmaps that say how peaked they are, with no argmax
// box and a "flat reading" line on a flat layer (layer 0).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { run, setLayer, usePanelSite, withPanel } from './support/panelSession.mjs';

usePanelSite();

describe('what the model can see', () => {
  it('states the scope, shows the model input at its size and names the bank of the best layer', async () => {
    await withPanel({}, async (page) => {
      assert.match(await page.textContent('[data-view=model-scope] .scope-summary'), /^What this model can see: Trained on 96-px views of synthetic scenes/);
      assert.match(await page.textContent('[data-view=model-scope] .scope-limits'), /Photos and drawings of other things/);
      assert.match(await page.textContent('.bank-meta'), /best layer 4 \(spatial bank, lattice score\)/);
      await page.waitForSelector('[data-view=model-input] canvas[data-size]', { state: 'attached' });
      const size = await page.$eval('[data-view=model-input] canvas', (c) => [c.width, c.height]);
      assert.deepEqual(size, [448, 448], "the stub model's encoder input");
      assert.match(await page.textContent('[data-view=model-input] figcaption'), /^What the model sees: 448x448/);
    });
  });

  it('a peaked layer keeps its argmax box and says how peaked; a flat layer says "objects not found" and draws none', async () => {
    await withPanel({}, async (page) => {
      await run(page);
      await setLayer(page, 4);
      await page.waitForSelector('[data-view=peakedness] li[data-object="red circle"]');
      assert.equal(await page.getAttribute('[data-view=peakedness] li[data-object="red circle"]', 'data-peaked'), 'true');
      assert.match(await page.textContent('[data-view=peakedness] li[data-object="red circle"]'), /^red circle: peaked: -?\d\.\d\d vs -?\d\.\d\d next, -?\d\.\d\d mean of the cells apart \(z \d+\.\d > 2\.7\)$/);
      assert.equal(await page.locator('.main-figure .heat-argmax').count(), 1);
      assert.match(await page.textContent('[data-card=heatmaps] [data-object="red circle"] .readout'), /argmax .* · peaked/);

      await setLayer(page, 0);
      await page.waitForFunction(() => document.querySelector('[data-view=peakedness] li[data-object="red circle"]')?.getAttribute('data-peaked') === 'false');
      assert.match(await page.textContent('[data-view=peakedness] li[data-object="red circle"]'), /flat reading: objects not found \(.*z -?\d+\.\d ≤ 2\.7\)/);
      assert.equal(await page.locator('.main-figure .heat-argmax').count(), 0, 'no argmax box on a flat reading');
      assert.equal(await page.locator('[data-card=heatmaps] [data-object="red circle"] .heat-argmax').count(), 0);
      assert.match(await page.textContent('[data-card=heatmaps] [data-object="red circle"] .readout'), /^red circle: flat reading: objects not found/);
    });
  });
});

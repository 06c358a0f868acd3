// Over the picture in the real panel, against the stub host: the mode switch (heatmap / tokens /
// draw boxes, keyboard reachable), the model's token grid from the forward result's tokens (a
// square grid, Qwen2-VL's 4x5 grid, SmolVLM's tiles and global image) with hover both ways, boxes
// drawn for an object and sent with the probe, each object's deviation per layer, the note when
// scene-derived IDs are read on a photo, and the heatmap over the part of the photo the model sees.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { saveArtifact } from './support/harness.mjs';
import { requests, setField, usePanelSite, withPanel } from './support/panelSession.mjs';

usePanelSite();

const near = (a, b, what, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${what}: ${a} vs ${b}`);
const patches = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('.main-figure .token-grid .token-patch')].map((r) => ({
      position: Number(r.getAttribute('data-position')),
      x: Number(r.getAttribute('x')),
      y: Number(r.getAttribute('y')),
      w: Number(r.getAttribute('width')),
      h: Number(r.getAttribute('height')),
    })),
  );
const lit = (page, selector) => page.evaluate((s) => [...document.querySelectorAll(`${s}.lit`)].map((n) => Number(n.getAttribute('data-position'))), selector);
const mode = (page) => page.getAttribute('.main-figure', 'data-mode');

async function runAndWait(page, n = 1) {
  await page.click('vscode-button[data-action=run]');
  await page.waitForFunction((k) => window.__stub.requests('spatialIds/probe').length === k && document.querySelector('[data-answer=current]'), n);
  await page.waitForSelector('.main-figure .heat-argmax', { state: 'attached' });
}

async function nameObjects(page, a, b) {
  await page.locator('.object-field input').nth(0).fill(a);
  await page.locator('.object-field input').nth(1).fill(b);
}

/** Drags a box on the main picture from (x0, y0) to (x1, y1), in fractions of the picture. */
async function drag(page, [x0, y0], [x1, y1]) {
  const r = await page.locator('.main-figure .box-layer').boundingBox();
  await page.mouse.move(r.x + x0 * r.width, r.y + y0 * r.height);
  await page.mouse.down();
  await page.mouse.move(r.x + ((x0 + x1) / 2) * r.width, r.y + ((y0 + y1) / 2) * r.height, { steps: 3 });
  await page.mouse.move(r.x + x1 * r.width, r.y + y1 * r.height, { steps: 3 });
  await page.mouse.up();
}

describe('over the picture in the panel', () => {
  it('a square token grid after Run, hover both ways, and the mode switch by keyboard', async () => {
    await withPanel({}, async (page) => {
      assert.equal(await mode(page), 'heatmap');
      await page.click('vscode-radio[data-mode=tokens]');
      assert.equal(await mode(page), 'tokens');
      assert.match(await page.textContent('.token-readout'), /Run the question/);
      assert.equal((await patches(page)).length, 0);
      await runAndWait(page);
      const ps = await patches(page);
      assert.equal(ps.length, 16, "the bundled model's 4x4 grid");
      near(ps[5].x, 0.25, 'second column');
      near(ps[5].y, 0.25, 'second row');
      assert.ok(!(await page.locator('.main-figure .heat-overlay:not(.token-grid):not(.box-layer)').isVisible()), 'the heatmap is hidden while tokens are read');
      await page.hover('.main-figure .token-patch[data-position="6"]');
      assert.deepEqual(await lit(page, '.token-chip'), [6], 'the patch lights its token');
      assert.match(await page.textContent('.token-readout'), /#6 image token: patch row 2, column 2 of 4x4/);
      await page.hover('.token-chip[data-position="11"]');
      assert.deepEqual(await lit(page, '.main-figure .token-patch'), [11], 'the token shows its patch');
      await saveArtifact('panel-tokens-square-dark.png', await page.screenshot());

      // keyboard: the checked mode takes the focus on Tab, arrows move between modes
      await page.focus('vscode-radio[data-mode=tokens]');
      await page.keyboard.press('ArrowLeft');
      await page.waitForFunction(() => document.querySelector('.main-figure').getAttribute('data-mode') === 'heatmap');
      assert.ok(await page.locator('.main-figure .heat-argmax').isVisible(), 'the heatmap is back');
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction(() => document.querySelector('.main-figure').getAttribute('data-mode') === 'tokens');
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction(() => document.querySelector('.main-figure').getAttribute('data-mode') === 'boxes');
      assert.ok(await page.locator('.box-bar').isVisible());
    });
  });

  it("Qwen2-VL's 4x5 grid and SmolVLM's tiles with the global image", async () => {
    await withPanel({ model: 'open', layout: 'grid4x5', theme: 'light' }, async (page) => {
      await nameObjects(page, 'dog', 'traffic light');
      await runAndWait(page);
      await page.click('vscode-radio[data-mode=tokens]');
      const ps = await patches(page);
      assert.equal(ps.length, 20);
      near(ps[0].w, 0.2, '5 columns');
      near(ps[0].h, 0.25, '4 rows');
      near(ps[19].x + ps[19].w, 1, 'the grid spans the picture');
      await page.hover('.main-figure .token-patch[data-position="14"]');
      assert.deepEqual(await lit(page, '.token-chip'), [14]);
      assert.match(await page.textContent('.token-readout'), /patch row 3, column 4 of 4x5/);
      await saveArtifact('panel-tokens-4x5-light.png', await page.screenshot());
    });
    await withPanel({ model: 'open', layout: 'tiles' }, async (page) => {
      await nameObjects(page, 'dog', 'traffic light');
      await runAndWait(page);
      await page.click('vscode-radio[data-mode=tokens]');
      assert.deepEqual(await page.$$eval('.token-view-button', (bs) => bs.map((b) => b.textContent)), ['2x2 tiles', 'global image']);
      assert.equal(await page.locator('.main-figure .token-tile').count(), 4);
      const tile4 = (await patches(page)).find((q) => q.position === 16);
      near(tile4.x, 0.75, 'tile 4, second column');
      near(tile4.y, 0.75, 'tile 4, second row');
      await page.hover('.token-chip[data-position="18"]');
      assert.equal(await page.getAttribute('.main-figure .token-grid', 'data-active'), 'global', 'a global-image token shows the global grid');
      assert.deepEqual(await lit(page, '.main-figure .token-patch'), [18]);
      await saveArtifact('panel-tokens-tiles-dark.png', await page.screenshot());
    });
  });

  for (const theme of ['light', 'dark']) {
    it(`boxes drawn on a photo go with the probe; deviations per layer and the photo note (${theme})`, async () => {
      await withPanel({ model: 'open', media: 'photo', theme }, async (page) => {
        await nameObjects(page, 'dog', 'traffic light');
        await page.click('vscode-radio[data-mode=boxes]');
        assert.deepEqual(await page.$$eval('.box-objects vscode-radio', (rs) => rs.map((r) => r.getAttribute('value'))), ['dog', 'traffic light']);
        assert.match(await page.textContent('.box-note'), /Drag on the picture where dog is/);
        await drag(page, [0.02, 0.7], [0.25, 0.98]);
        await page.waitForSelector('.main-figure .gt-box[data-object=dog]', { state: 'attached' });
        await page.click('vscode-radio[data-box-object="traffic light"]');
        await drag(page, [0.82, 0.02], [0.95, 0.24]);
        await page.waitForSelector('.main-figure .gt-box[data-object="traffic light"]', { state: 'attached' });
        // a stray click (no drag) draws nothing
        const r = await page.locator('.main-figure .box-layer').boundingBox();
        await page.mouse.click(r.x + r.width / 2, r.y + r.height / 2);
        assert.equal(await page.locator('.main-figure .gt-box').count(), 2);

        await runAndWait(page);
        const [probe] = await requests(page, 'spatialIds/probe');
        assert.deepEqual(probe.body.params.objects, ['dog', 'traffic light']);
        const boxes = probe.body.params.boxes;
        assert.deepEqual(Object.keys(boxes), ['dog', 'traffic light']);
        for (const [k, want] of Object.entries({ x: 0.02, y: 0.7, width: 0.23, height: 0.28 })) near(boxes.dog[k], want, `dog ${k}`, 0.02);
        for (const [k, want] of Object.entries({ x: 0.82, y: 0.02, width: 0.13, height: 0.22 })) near(boxes['traffic light'][k], want, `traffic light ${k}`, 0.02);

        // the deviation per layer of each boxed object, the shown layer marked
        await page.waitForSelector('.deviation-table');
        assert.deepEqual(await page.$$eval('.deviation-table thead th', (t) => t.map((e) => e.textContent)), ['layer', 'dog', 'traffic light']);
        assert.equal(await page.locator('.deviation-table tbody tr').count(), 7, 'one row per residual layer 0..6');
        const shown = await page.getAttribute('.deviation-table tr[aria-current=true]', 'data-layer');
        assert.equal(shown, await page.evaluate(() => document.querySelector('input[data-control=layer]').value));
        const cells = await page.$$eval('.deviation-table tbody td[data-object=dog]', (t) => t.map((e) => Number(e.textContent)));
        assert.ok(cells.every(Number.isFinite) && cells.length === 7);
        assert.match(await page.textContent('.deviation-summary'), new RegExp(`Layer ${shown}: dog \\d+\\.\\d{3}, traffic light \\d+\\.\\d{3}`));
        await page.click('.deviation-table tr[data-layer="2"]');
        assert.equal(await page.evaluate(() => document.querySelector('input[data-control=layer]').value), '2', 'a row shows its layer');

        // the photo note, in plain words
        assert.match(await page.textContent('.domain-note'), /^IDs derived on 96-px synthetic scenes, read on a 150x100 photo: /);
        assert.doesNotMatch(await page.textContent('.domain-note'), /centre/, 'Qwen2-VL sees the whole photo');
        await page.click('vscode-radio[data-mode=heatmap]');
        await saveArtifact(`panel-photo-boxes-${theme}.png`, await page.screenshot({ fullPage: true }));

        // a cleared box is not sent
        await page.click('vscode-radio[data-mode=boxes]');
        await page.click('vscode-radio[data-box-object="traffic light"]');
        await page.click('vscode-button[data-action=clear-box]');
        await runAndWait(page, 2);
        assert.deepEqual(Object.keys((await requests(page, 'spatialIds/probe'))[1].body.params.boxes), ['dog']);
      });
    });
  }

  it("the heatmap and the token grid cover the part of the photo the model sees (LLaVA's centre crop)", async () => {
    // a 150 x 100 photo: the centre 100 x 100 square
    const region = { x: 1 / 6, y: 0, width: 2 / 3, height: 1 };
    await withPanel({ model: 'open', media: 'photo', region }, async (page) => {
      await nameObjects(page, 'dog', 'traffic light');
      await runAndWait(page);
      const placed = await page.evaluate(() => {
        const r = document.querySelector('.main-figure .heat-region');
        return r && ['x', 'y', 'width', 'height'].map((k) => Number(r.getAttribute(k)));
      });
      assert.ok(placed, 'the grid is drawn in a region of the picture');
      [region.x, region.y, region.width, region.height].forEach((v, i) => near(placed[i], v, ['x', 'y', 'width', 'height'][i]));
      assert.match(await page.textContent('.domain-note'), /The model sees only the centre 100x100 of it; the grid covers that part\./);
      const small = await page.getAttribute('[data-card=heatmaps] [data-object=dog] .heat-region', 'x');
      near(Number(small), 1 / 6, 'the small heatmaps too');
      await page.click('vscode-radio[data-mode=tokens]');
      const ps = await patches(page);
      near(ps[0].x, 1 / 6, 'the token grid starts at the crop');
      near(ps[3].x + ps[3].w, 5 / 6, 'and ends at it');
      // a box can only be drawn for an object of the question
      await setField(page, '.template-select', '2');
      await page.click('vscode-radio[data-mode=boxes]');
      assert.deepEqual(await page.$$eval('.box-objects vscode-radio', (rs) => rs.map((r) => r.getAttribute('value'))), ['dog']);
    });
  });

  it('a clip offers no boxes', async () => {
    await withPanel({ media: 'video', bank: 'temporal' }, async (page) => {
      assert.ok(!(await page.locator('vscode-radio[data-mode=boxes]').isVisible()));
      assert.ok(await page.locator('vscode-radio[data-mode=tokens]').isVisible());
    });
  });
});

// The model's token grid over the picture and the ground-truth box layer, in a real browser:
// a square grid, a 4x5 grid and SmolVLM-style tiles with a global image, from canned token
// places (test/fixtures/tokenGridPage.ts); hovering a patch lights its token and the reverse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useFixturePage } from './support/fixturePage.mjs';
import { saveArtifact } from './support/harness.mjs';

const page = useFixturePage('tokenGridPage.ts', '__tokenGrid', { 'photo.svg': '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><rect width="300" height="200" fill="#8aa"/><circle cx="90" cy="120" r="30" fill="#a53"/></svg>' });

/** The active view's patches as rects in picture fractions. */
const patches = (p) =>
  p.evaluate(() => [...document.querySelectorAll('.token-grid .token-patch')].map((r) => ({ position: Number(r.getAttribute('data-position')), x: Number(r.getAttribute('x')), y: Number(r.getAttribute('y')), w: Number(r.getAttribute('width')), h: Number(r.getAttribute('height')) })));
const lit = (p, sel) => p.evaluate((s) => [...document.querySelectorAll(`${s}.lit`)].map((n) => Number(n.getAttribute('data-position'))), sel);
const near = (a, b, what) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

describe('token grid over the picture', () => {
  it('a square grid (LLaVA: over the centre crop) and hover both ways', async () => {
    const { p, errors, close } = await page();
    try {
      await p.evaluate(() => window.__tokenGrid.show('square', 'llava'));
      const ps = await patches(p);
      assert.equal(ps.length, 16);
      // a 300 x 200 picture: LLaVA sees the centre 200 x 200, so the grid starts at 1/6 of the width
      near(ps[0].x, 1 / 6, 'first column');
      near(ps[0].w, (2 / 3) / 4, 'column width');
      near(ps[5].y, 0.25, 'second row');
      await p.hover('.token-grid .token-patch[data-position="12"]');
      assert.deepEqual(await lit(p, '.token-chip'), [12], 'the patch lights its token in the list');
      assert.match(await p.textContent('.token-readout'), /#12 image token: patch row 2, column 2 of 4x4/);
      await p.hover('.token-chip[data-position="20"]');
      assert.deepEqual(await lit(p, '.token-grid .token-patch'), [20], 'the token shows its patch');
      await p.hover('.token-chip[data-position="2"]');
      assert.deepEqual(await lit(p, '.token-grid .token-patch'), [], 'a text token has no patch');
      assert.match(await p.textContent('.token-readout'), /#2 "dog"/);
      await saveArtifact('token-grid-square.png', await p.screenshot());
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  it("a 4x5 grid of the picture's own shape (Qwen2-VL) spans the whole picture", async () => {
    const { p, errors, close } = await page();
    try {
      await p.evaluate(() => window.__tokenGrid.show('grid4x5', 'qwen2_vl'));
      const ps = await patches(p);
      assert.equal(ps.length, 20);
      near(ps[0].w, 0.2, '5 columns');
      near(ps[0].h, 0.25, '4 rows');
      near(ps[19].x + ps[19].w, 1, 'last column ends at the right edge');
      assert.equal(await p.locator('.token-views').getAttribute('hidden'), '', 'one view: no switch');
      await p.hover('.token-grid .token-patch[data-position="13"]');
      assert.deepEqual(await lit(p, '.token-chip'), [13]);
      assert.match(await p.textContent('.token-readout'), /patch row 2, column 2 of 4x5/);
      await saveArtifact('token-grid-4x5.png', await p.screenshot());
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  it('SmolVLM tiles and the global image: a switch, tile outlines, and a hovered token switches view', async () => {
    const { p, errors, close } = await page();
    try {
      await p.evaluate(() => window.__tokenGrid.show('tiles', 'idefics3'));
      assert.deepEqual(await p.$$eval('.token-view-button', (bs) => bs.map((b) => b.textContent)), ['2x2 tiles', 'global image']);
      assert.equal(await p.locator('.token-grid .token-tile').count(), 4);
      const tiles = await patches(p);
      assert.equal(tiles.length, 16);
      // tile 3 (row 1, col 1), its token at row 0, col 1: x 0.5 + 0.25 * 1, y 0.5
      const t = tiles.find((q) => q.position === 7 + 12 + 1);
      near(t.x, 0.75, 'tile 3 token x');
      near(t.y, 0.5, 'tile 3 token y');
      near(t.w, 0.25, 'quarter of the picture per token of a 2x2 tile');
      await p.hover('.token-grid .token-patch[data-position="20"]');
      assert.match(await p.textContent('.token-readout'), /tile 4 \(row 2, column 2\), patch row 1, column 2 of 2x2/);
      await p.hover('.token-chip[data-position="25"]');
      assert.equal(await p.getAttribute('.token-grid', 'data-active'), 'global', 'hovering a global-image token shows the global grid');
      assert.deepEqual(await lit(p, '.token-grid .token-patch'), [25]);
      assert.equal(await p.locator('.token-grid .token-tile').count(), 0);
      near((await patches(p)).find((q) => q.position === 25).w, 0.5, 'the global image: 2x2 over the whole picture');
      await saveArtifact('token-grid-tiles-global.png', await p.screenshot());
      await p.click('.token-view-button[data-token-view=tiles]');
      assert.equal(await p.getAttribute('.token-grid', 'data-active'), 'tiles');
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  it('drawing a box gives it in normalised coordinates of the picture', async () => {
    const { p, errors, close } = await page();
    try {
      await p.evaluate(() => window.__tokenGrid.show('square'));
      await p.evaluate(() => window.__tokenGrid.drawBoxFor('dog'));
      const r = await p.locator('[data-test=frame] .box-layer').boundingBox();
      await p.mouse.move(r.x + 0.1 * r.width, r.y + 0.25 * r.height);
      await p.mouse.down();
      await p.mouse.move(r.x + 0.3 * r.width, r.y + 0.5 * r.height, { steps: 4 });
      await p.mouse.move(r.x + 0.4 * r.width, r.y + 0.75 * r.height, { steps: 4 });
      await p.mouse.up();
      const [drawn] = await p.evaluate(() => window.__tokenGrid.boxes());
      assert.equal(drawn.object, 'dog');
      for (const [k, want] of Object.entries({ x: 0.1, y: 0.25, width: 0.3, height: 0.5 })) assert.ok(Math.abs(drawn.box[k] - want) < 0.01, `${k}: ${drawn.box[k]} vs ${want}`);
      assert.equal(await p.locator('.box-layer .gt-box[data-object=dog]').count(), 1, 'the box stays outlined');
      await p.evaluate(() => window.__tokenGrid.drawBoxFor(null));
      assert.equal(await p.getAttribute('.box-layer', 'pointer-events'), 'none', 'not drawing: the pointer reaches the grid below');
      await p.hover('.token-grid .token-patch[data-position="7"]');
      assert.deepEqual(await lit(p, '.token-chip'), [7]);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});

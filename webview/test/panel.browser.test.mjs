// The inspector panel in a real browser (Debian chromium through playwright-core) against a
// stub extension host that answers with canned protocol results (test/fixtures/stubHost.ts).
// Run: node --test webview/test/   (screenshots go to test-artifacts/webview/)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mainHeatmap, requests, run, sentOfType, setField, setLayer, usePanelSite, withPanel } from './support/panelSession.mjs';

usePanelSite();

describe('inspector panel', () => {
  it('renders the image, the question from the templates, the model and the bank on init', async () => {
    await withPanel({}, async (page) => {
      assert.deepEqual((await sentOfType(page, 'ready')).length, 1, 'says ready once');
      await page.waitForFunction(() => document.querySelector('.main-figure img')?.naturalWidth > 0);
      assert.equal(await page.getAttribute('.main-figure img', 'src'), 'scene.svg');
      const question = await page.evaluate(() => document.querySelector('.question-field').value);
      assert.equal(question, 'Is the red circle to the left or right of the blue square?');
      assert.equal(await page.textContent('.media-title'), 'scene-left-right.png');
      assert.match(await page.textContent('.model-meta'), /^tiny-spatial-vlm · fp32 · 6 layers/);
      assert.match(await page.textContent('.bank-meta'), /Spatial IDs · 16 cells · best layer 4/);
      assert.equal(await page.textContent('.layer-number'), '4 / 6', 'starts at the bank’s best layer');
      const undefinedElements = await page.evaluate(() => [...document.querySelectorAll('*')].filter((e) => e.localName.startsWith('vscode-') && !customElements.get(e.localName)).map((e) => e.localName));
      assert.deepEqual(undefinedElements, [], 'every vscode-* element is defined');
      // Changing the template or the objects rewrites the question.
      await setField(page, '.word-select', 'yellow star');
      assert.equal(await page.evaluate(() => document.querySelector('.question-field').value), 'Is the yellow star to the left or right of the blue square?');
    });
  });

  it('runs under a strict CSP that reports what it blocks (the check every test ends with)', async () => {
    await withPanel({}, async (page, panel) => {
      const caught = await page.evaluate(async () => {
        const probe = document.createElement('div');
        probe.setAttribute('style', 'color: red');
        document.body.appendChild(probe);
        await new Promise((resolve) => setTimeout(resolve, 100));
        probe.remove();
        return window.__stub.violations.splice(0);
      });
      assert.equal(caught.length, 1, 'an inline style attribute is blocked and reported');
      assert.match(caught[0], /^style-src-attr/);
      const logged = panel.errors.splice(0);
      assert.equal(logged.length, 1);
      assert.match(logged[0], /Applying inline style violates the following Content Security Policy/);
    });
  });

  it('without an ID bank: Derive IDs asks the host, and a bank that arrives fills the views', async () => {
    await withPanel({ bank: 'none' }, async (page) => {
      assert.match(await page.textContent('.bank-meta'), /No ID bank yet/);
      assert.match(await page.textContent('[data-card=lattice]'), /Derive IDs to see the lattice/);
      await page.click('vscode-button[data-action=run]');
      await page.waitForSelector('[data-answer=current]');
      assert.equal((await requests(page, 'spatialIds/probe')).length, 0, 'no probe without a bank');
      await page.click('.main-figure img');
      await page.click('vscode-button[data-action=derive]');
      assert.equal((await sentOfType(page, 'deriveIds')).length, 1);
      await page.evaluate(() => window.__stub.send({ type: 'bank', body: window.__stub.spatialBank() }));
      await page.waitForSelector('[data-card=lattice] svg.sil-plot');
      assert.match(await page.textContent('.steer-status'), /The ID bank is ready/);
      assert.ok(!(await page.locator('vscode-button[data-action=derive]').isVisible()));
    });
  });

  it('Run shows the answer and the log-probability of each answer word', async () => {
    await withPanel({}, async (page) => {
      await run(page);
      assert.equal(await page.textContent('[data-answer=current]'), 'left');
      const table = await page.$$eval('.answer-view .logprob-table tbody tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
      assert.deepEqual(table, [
        ['left', '-0.143', '87%'],
        ['right', '-2.018', '13%'],
      ]);
      const [forward] = await requests(page, 'spatialIds/forward');
      // the template's answer words and the chosen objects travel with the requests, not read from the English
      assert.deepEqual(forward.body.params, { media: { image: '/workspace/images/scene-left-right.png' }, question: 'Is the red circle to the left or right of the blue square?', answers: ['left', 'right'] });
      const [probe] = await requests(page, 'spatialIds/probe');
      assert.equal(probe.body.params.bank, '/storage/banks/tiny-spatial-vlm-a3f1c9e0.safetensors');
      assert.deepEqual(probe.body.params.objects, ['red circle', 'blue square']);
      // One heatmap per object in the Heatmaps card, and a similarity matrix per object.
      assert.deepEqual(await page.$$eval('[data-card=heatmaps] .heatmap-figure', (f) => f.map((e) => e.getAttribute('data-object'))), ['red circle', 'blue square']);
      assert.equal(await page.locator('[data-card=matrix] svg.sil-plot').count(), 2);
      // A freely edited question runs as written.
      await page.fill('.question-field input', 'Is the yellow star above or below the green triangle?');
      await page.press('.question-field input', 'Enter');
      await page.waitForFunction(() => window.__stub.requests('spatialIds/forward').length === 2);
      // it names two words of the closed vocabulary and is the above/below template filled with them: that template's answers
      assert.deepEqual((await requests(page, 'spatialIds/forward'))[1].body.params, { media: { image: '/workspace/images/scene-left-right.png' }, question: 'Is the yellow star above or below the green triangle?', answers: ['above', 'below'] });
      assert.deepEqual((await requests(page, 'spatialIds/probe'))[1].body.params.objects, ['yellow star', 'green triangle']);
      await page.waitForFunction(() => document.querySelector('[data-answer=current]').textContent === 'above');
      assert.deepEqual(await page.$$eval('[data-card=heatmaps] .heatmap-figure', (f) => f.map((e) => e.getAttribute('data-object'))), ['yellow star', 'green triangle']);
    });
  });

  it('the layer slider changes the heatmap', async () => {
    await withPanel({}, async (page) => {
      await run(page);
      const at4 = await mainHeatmap(page);
      assert.equal(at4.argmax, 4, 'red circle read at row 2, column 1 at layer 4');
      await setLayer(page, 0);
      await page.waitForFunction(() => document.querySelector('.layer-number').textContent === '0 / 6');
      const at0 = await mainHeatmap(page);
      assert.notDeepEqual(at0.values, at4.values);
      assert.notDeepEqual(at0.fills, at4.fills);
      assert.ok(Math.max(...at0.values.map(Math.abs)) < Math.max(...at4.values.map(Math.abs)), 'the location is weak at the embeddings');
      // Choosing the other object shows its heatmap on the picture.
      await page.click('vscode-radio[data-object="blue square"]');
      await page.waitForFunction(() => document.querySelector('.main-figure .heat-argmax')?.getAttribute('data-cell') === '11');
      await page.click('vscode-radio[data-object="red circle"]');
      // Hover reads out a cell's value.
      await page.hover('.main-figure rect.heat-cell[data-cell="5"]');
      assert.match(await page.textContent('.main-figure .readout'), /red circle at row 2, column 2: similarity -?\d\.\d{3}/);
      // The similarity matrix outlines the shown layer; a click on a row moves the slider.
      const matrix = page.locator('[data-card=matrix] svg.sil-plot').first();
      const box = await matrix.boundingBox();
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height - 40);
      await page.mouse.click(box.x + box.width * 0.5, box.y + box.height - 40);
      await page.waitForFunction(() => document.querySelector('.layer-number').textContent !== '0 / 6');
    });
  });

  it('clicking a cell steers the selected object there, shows the flip, re-probes, and Undo restores', async () => {
    await withPanel({}, async (page) => {
      await run(page);
      await page.click('.main-figure rect.heat-cell[data-cell="7"]');
      await page.waitForSelector('[data-answer=after]');
      const [steer] = await requests(page, 'spatialIds/steer');
      assert.deepEqual(steer.body.params, {
        bank: '/storage/banks/tiny-spatial-vlm-a3f1c9e0.safetensors',
        media: { image: '/workspace/images/scene-left-right.png' },
        question: 'Is the red circle to the left or right of the blue square?',
        object: 'red circle',
        targetCell: 7,
        layers: [2, 3, 4],
        factor: 5,
        // the run's objects and answer words travel with the steering, not parsed from the question
        objects: ['red circle', 'blue square'],
        answers: ['left', 'right'],
      });
      assert.equal(await page.textContent('[data-answer=before]'), 'left');
      assert.equal(await page.textContent('[data-answer=after]'), 'right');
      assert.equal(await page.textContent('[data-answer=noise]'), 'left');
      assert.deepEqual(await page.$$eval('.flip-badge', (b) => b.map((e) => e.textContent)), ['flipped', 'unchanged']);
      const deltas = await page.$$eval('.answer-view tbody tr', (rows) => rows.map((r) => r.children[3].textContent));
      assert.deepEqual(deltas, ['-1.093', '+1.606']);
      // The heatmaps were recomputed under the intervention: the object is now read at the target.
      const probes = await requests(page, 'spatialIds/probe');
      assert.equal(probes.length, 2);
      assert.equal(probes[1].body.params.interventions.length, 3);
      assert.deepEqual(probes[1].body.params.interventions.map((i) => i.layer), [2, 3, 4]);
      assert.equal((await mainHeatmap(page)).argmax, 7);
      assert.equal(await page.getAttribute('.main-figure .heat-reference', 'data-cell'), '4', 'the read before steering stays outlined');
      assert.match(await page.textContent('.steer-status'), /Moved red circle to row 2, column 4 at layers 2-4 \(factor 5\): left → right \(flipped\)/);

      // Steering the other object from its own heatmap in the Heatmaps card, at another band.
      await setField(page, '.band-field', '5-6');
      await page.click('[data-card=heatmaps] [data-object="blue square"] rect.heat-cell[data-cell="0"]');
      await page.waitForFunction(() => window.__stub.requests('spatialIds/steer').length === 2);
      const steers = await requests(page, 'spatialIds/steer');
      assert.equal(steers[1].body.params.object, 'blue square');
      assert.deepEqual(steers[1].body.params.layers, [5, 6]);
      await page.waitForFunction(() => document.querySelector('.steer-status').textContent.includes('blue square'));
      assert.equal(await page.textContent('[data-answer=after]'), 'left', 'steering outside the layers that read IDs does not flip');

      // Undo twice: back to the first steer, then to the plain run.
      await page.click('vscode-button[data-action=undo]');
      await page.waitForFunction(() => document.querySelector('.steer-status').textContent.includes('red circle'));
      await page.click('vscode-button[data-action=undo]');
      await page.waitForSelector('[data-answer=current]');
      assert.equal(await page.textContent('[data-answer=current]'), 'left');
      assert.equal(await page.getAttribute('[data-card=heatmaps] [data-object="red circle"] .heat-argmax', 'data-cell'), '4');
      assert.equal(await page.locator('.heat-reference').count(), 0);
      assert.ok(await page.locator('vscode-button[data-action=undo]').evaluate((b) => b.hasAttribute('disabled')));
      const kinds = await page.evaluate(() => [...document.querySelectorAll('.action-list li')].map((li) => li.textContent));
      assert.deepEqual(kinds.map((k) => k.replace(/^\d+\. /, '').split(' ')[0]), ['Run', 'Steer', 'Steer', 'Undo', 'Undo']);
    });
  });
});

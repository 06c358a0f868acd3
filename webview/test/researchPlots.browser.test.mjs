// The research plots in a real browser against the stub host: the flip map, steering vs noise by
// layer band, the random-init baseline in the lattice plot, activation export (safetensors read
// back by the server's own reader) and copy as CLI command. Run: node --test webview/test/
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { repoRoot, saveArtifact } from './support/harness.mjs';
import { exportFrom, requests, run, sentOfType, setField, usePanelSite, withPanel } from './support/panelSession.mjs';

usePanelSite();
const require = createRequire(import.meta.url);
const QUESTION = 'Is the red circle to the left or right of the blue square?';

describe('research plots', () => {
  it('flip map: the selected object steered to every cell, beside the noise control, with CSV', async () => {
    await withPanel({}, async (page) => {
      await run(page);
      await page.click('vscode-button[data-action=flip-map]');
      await page.waitForSelector('[data-card=flipmap] svg[data-chart=flip-map]');
      const [request] = await requests(page, 'spatialIds/flipMap');
      assert.equal(request.body.params.object, 'red circle');
      assert.equal(request.body.params.question, QUESTION);
      assert.deepEqual(request.body.params.media, { image: '/workspace/images/scene-left-right.png' });
      assert.ok(Array.isArray(request.body.params.layers) && request.body.params.layers.length > 0, 'the steering band');
      // two grids of 16 cells: steering and the noise control
      assert.equal(await page.locator('[data-card=flipmap] svg[data-chart=flip-map] g[aria-label="cell"] rect').count(), 32);
      const title = await page.textContent('[data-card=flipmap] .chart-title');
      // the canned scene: red circle in column 1, blue square in column 4; moved into column 4 it is no longer left of it
      assert.match(title, /flips in 4 of 15 cells under steering, 0 of 15 under matched-norm noise/);
      const csv = await exportFrom(page, 'flipmap', 'csv');
      const lines = csv.data.trim().split('\n');
      // machine coordinates are 0-based; the CSV may say so in its headers
      assert.match(lines[0], /^condition,cell(_0based)?,x(_0based)?,y(_0based)?,label,steered,answer,preferred,flipped,p,logp_left,logp_right$/);
      assert.equal(lines.length, 1 + 32);
      const flipped = lines.filter((l) => l.startsWith('steering,') && l.includes(',right,right,true,')).map((l) => Number(l.split(',')[1]));
      assert.deepEqual(flipped, [3, 7, 11, 15], 'column 4 flips to "right"');
      assert.equal(await page.locator('[data-card=flipmap] g[aria-label="cell"] rect[stroke-width="3"]').count(), 4, 'the flipped cells outlined');
      const png = await exportFrom(page, 'flipmap', 'png');
      await saveArtifact('flip-map.png', Buffer.from(png.data, 'base64'));
    });
  });

  it('flip map before a run says what to do instead of asking the server', async () => {
    await withPanel({}, async (page) => {
      await page.click('vscode-button[data-action=flip-map]');
      await page.waitForSelector('[data-card=flipmap] .note[role=status]');
      assert.match(await page.textContent('[data-card=flipmap] .note[role=status]'), /Run the question first/);
      assert.equal((await requests(page, 'spatialIds/flipMap')).length, 0);
    });
  });

  it('steering vs noise by layer band: batch steering over held-out scenes as a chart with CSV', async () => {
    await withPanel({}, async (page) => {
      await run(page);
      await setField(page, '.band-batch-field', '40');
      await page.click('vscode-button[data-action=band-sweep]');
      await page.waitForSelector('[data-card=bands] svg[data-chart=band-flip-rates]');
      const [request] = await requests(page, 'spatialIds/steer');
      assert.deepEqual(request.body.params, { bank: '/storage/banks/tiny-spatial-vlm-a3f1c9e0.safetensors', batch: 40, relation: 'leftRight', factor: 5 });
      // 11 bands (6 single layers, 5 pairs) x steering and noise
      assert.equal(await page.locator('[data-card=bands] g[aria-label="bar"] rect').count(), 22);
      assert.match(await page.textContent('[data-card=bands] .chart-title'), /over 40 held-out scenes at factor 5; best band 2: steering 70% vs noise 8%/);
      const csv = await exportFrom(page, 'bands', 'csv');
      const lines = csv.data.trim().split('\n');
      assert.equal(lines[0], 'band,layers,condition,rate,low,high,n,meanDeltaLogprob,factor');
      assert.equal(lines.length, 1 + 22);
      assert.match(lines[3], /^2,2,steering,0\.7,[\d.]+,[\d.]+,40,/);
    });
  });

  it('draws the random-init lattice beside the trained one when the bank has it', async () => {
    await withPanel({ randomInit: true }, async (page) => {
      await page.waitForSelector('[data-card=lattice] svg[data-lattice=random-init]');
      assert.equal(await page.locator('[data-card=lattice] svg[data-lattice=model]').count(), 1);
      // layer 4 (the best layer) of both, named in the legend that travels with the export
      const legend = await page.textContent('[data-card=lattice] svg[data-legend=lattice-pair]');
      assert.equal(legend, 'this model · lattice 0.94random init (tiny-spatial-vlm-random-init) · lattice 0.09');
      assert.equal(await page.locator('[data-card=lattice] svg[data-lattice=random-init] g[aria-label="dot"] circle').count(), 16);
      const png = await exportFrom(page, 'lattice', 'png');
      await saveArtifact('lattice-random-init.png', Buffer.from(png.data, 'base64'));
    });
    await withPanel({}, async (page) => {
      await page.waitForSelector('[data-card=lattice] svg[data-lattice=model]');
      assert.equal(await page.locator('[data-card=lattice] svg[data-lattice=random-init]').count(), 0, 'no control: one lattice');
    });
  });

  it('exports the run’s activations as safetensors with the token strings, read back by the server’s reader', async () => {
    await withPanel({}, async (page) => {
      await run(page);
      const before = (await sentOfType(page, 'exportFile')).length;
      await page.click('vscode-button[data-action=export-activations]');
      await page.waitForFunction((n) => window.__stub.ofType('exportFile').length > n, before);
      const forwards = await requests(page, 'spatialIds/forward');
      assert.deepEqual(forwards[forwards.length - 1].body.params.capture, { layers: 'all', positions: 'all' });
      const file = (await sentOfType(page, 'exportFile')).pop().body;
      assert.equal(file.suggestedName, 'scene-left-right-activations.safetensors');
      assert.equal(file.encoding, 'base64');
      const { parseSafetensors } = require(`${repoRoot}/out/server/src/tensors/safetensors.js`);
      const { tensors, metadata } = parseSafetensors(Buffer.from(file.data, 'base64'), 'export');
      const tokens = JSON.parse(metadata.tokens);
      assert.equal(tokens[0], '<s>');
      assert.equal(tokens.filter((t) => t === '<image>').length, 16);
      assert.ok(tokens.includes('circle'));
      assert.equal(metadata.question, QUESTION);
      const names = Object.keys(tensors);
      assert.equal(names.length, 7, 'residual layers 0..6');
      const layer3 = tensors[names.find((n) => /\b3\b/.test(n))];
      assert.deepEqual(layer3.shape, [tokens.length, 32]);
      // the stub's vector[i] = layer + position / 1000 + i / 1e6 (float32: within 1e-6)
      assert.ok(Math.abs(layer3.data[5 * 32 + 2] - (3 + 5 / 1000 + 2 / 1e6)) < 1e-6);
    });
  });

  it('copy as CLI command gives the steer line of the current intervention', async () => {
    await withPanel({}, async (page) => {
      await page.click('vscode-button[data-action=copy-cli]');
      assert.match(await page.textContent('.export-status'), /Steer first/);
      await run(page);
      await page.click('.main-figure rect.heat-cell[data-cell="7"]');
      await page.waitForFunction(() => window.__stub.requests('spatialIds/steer').length === 1);
      await page.waitForFunction(() => window.__stub.requests('spatialIds/probe').length === 2);
      await page.click('vscode-button[data-action=copy-cli]');
      const text = await page.textContent('code.cli-command');
      const [steer] = await requests(page, 'spatialIds/steer');
      const layers = steer.body.params.layers.join(',');
      assert.equal(
        text,
        `node out/server/src/cli/main.js steer --model /models/tiny-spatial-vlm --bank /storage/banks/tiny-spatial-vlm-a3f1c9e0.safetensors --image /workspace/images/scene-left-right.png --question '${QUESTION}' --object 'red circle' --target-cell 7 --layers ${layers} --factor 5 --objects 'red circle,blue square' --answers left,right`,
      );
    });
  });

  it('a saved experiment with a flip map, a band table and an export between the clicks replays with every result matched', async () => {
    let file;
    await withPanel({}, async (page) => {
      await run(page);
      await page.click('vscode-button[data-action=flip-map]');
      await page.waitForSelector('[data-card=flipmap] svg[data-chart=flip-map]');
      await setField(page, '.band-batch-field', '10');
      await page.click('vscode-button[data-action=band-sweep]');
      await page.waitForSelector('[data-card=bands] svg[data-chart=band-flip-rates]');
      await page.click('vscode-button[data-action=export-activations]');
      await page.waitForFunction(() => window.__stub.ofType('exportFile').length === 1);
      await page.click('.main-figure rect.heat-cell[data-cell="15"]');
      await page.waitForSelector('[data-answer=after]');
      await page.click('vscode-button[data-action=save]');
      await page.waitForFunction(() => window.__stub.savedFile() !== null);
      file = await page.evaluate(() => window.__stub.savedFile());
      assert.deepEqual(file.steps.map((s) => s.method), ['forward', 'probe', 'flipMap', 'steer', 'forward', 'steer', 'probe']);
    });
    await withPanel({ experiment: file }, async (page) => {
      await page.waitForSelector('[data-replay=report]');
      assert.match(await page.textContent('[data-replay=report]'), /every result matched the saved numbers/);
      assert.equal(await page.textContent('[data-answer=after]'), 'right', 'the steer after them replayed');
    });
  });
});

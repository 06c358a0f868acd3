// The inspector panel's views in a real browser against the stub host: exports, the patching
// sweep, errors, video, experiments, restore and themes. Run: node --test webview/test/
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { saveArtifact } from './support/harness.mjs';
import { exportFrom, mainHeatmap, requests, run, sentOfType, setField, setLayer, usePanelSite, withPanel } from './support/panelSession.mjs';

usePanelSite();

describe('inspector panel views', () => {
  it('exports every chart as PNG/SVG and its data as CSV/JSON', async () => {
    await withPanel({}, async (page) => {
      await run(page);
      await page.click('vscode-button[data-action=patch]');
      await page.waitForSelector('[data-card=sweep] svg.sil-plot');

      const csv = await exportFrom(page, 'heatmaps', 'csv');
      assert.equal(csv.suggestedName, 'heatmaps-layer-4.csv');
      assert.equal(csv.mime, 'text/csv');
      const lines = csv.data.trim().split('\n');
      assert.equal(lines[0], 'object,layer,cell_0based,x_0based,y_0based,row,column,label,similarity,argmax');
      assert.equal(lines.length, 1 + 2 * 16);
      assert.match(lines[5], /^red circle,4,4,0,1,2,1,"row 2, column 1",[\d.]+,true$/);

      const json = await exportFrom(page, 'matrix', 'json');
      const probe = JSON.parse(json.data);
      assert.equal(probe.objects[0].similarity.length, 7);

      const svg = await exportFrom(page, 'matrix', 'svg');
      assert.equal(svg.mime, 'image/svg+xml');
      assert.match(svg.data, /^<\?xml[^>]*>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.ok(!svg.data.includes('currentColor') || /fill="rgb/.test(svg.data), 'theme colours written in');
      assert.ok((svg.data.match(/<rect/g) ?? []).length > 2 * 7 * 16, 'both matrices');

      const heatSvg = await exportFrom(page, 'heatmaps', 'svg');
      assert.match(heatSvg.data, /Similarity to each cell's ID, layer 4/);

      const png = await exportFrom(page, 'sweep', 'png');
      assert.equal(png.encoding, 'base64');
      assert.equal(png.mime, 'image/png');
      assert.ok(Buffer.from(png.data, 'base64').subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex')), 'a PNG');
      await saveArtifact('export-sweep.png', Buffer.from(png.data, 'base64'));

      const sweepCsv = await exportFrom(page, 'sweep', 'csv');
      assert.equal(sweepCsv.data.split('\n')[0], 'source,layer,group,mean,low,high,n');

      const lattice = await exportFrom(page, 'lattice', 'csv');
      assert.equal(lattice.data.split('\n')[0], 'layer,cell_0based,x_0based,y_0based,row,column,label,pc1,pc2,pc3,planeX,planeY');
      const latticePng = await exportFrom(page, 'lattice', 'png');
      await saveArtifact('export-lattice.png', Buffer.from(latticePng.data, 'base64'));
    });
  });

  it('Patch from mirror runs the sweep for this image; batch mode draws confidence bands', async () => {
    await withPanel({}, async (page) => {
      await run(page);
      await page.click('vscode-button[data-action=patch]');
      await page.waitForSelector('[data-card=sweep] svg.sil-plot');
      const [sweep] = await requests(page, 'spatialIds/sweepPatches');
      assert.deepEqual(sweep.body.params, {
        media: { image: '/workspace/images/scene-left-right.png' },
        question: 'Is the red circle to the left or right of the blue square?',
        objects: ['red circle', 'blue square'],
        answers: ['left', 'right'],
      });
      assert.equal(await page.locator('[data-card=sweep] svg.sil-plot g[aria-label="area"]').count(), 0, 'one image: no bands');
      await setField(page, '.batch-field', '32');
      await page.click('vscode-button[data-action=patch]');
      await page.waitForFunction(() => window.__stub.requests('spatialIds/sweepPatches').length === 2);
      await page.waitForSelector('[data-card=sweep] svg.sil-plot g[aria-label="area"]');
      const second = (await requests(page, 'spatialIds/sweepPatches'))[1];
      assert.deepEqual(second.body.params, { batch: 32, relation: 'leftRight' }, 'held-out scenes asking the same relation');
      assert.match(await page.textContent('[data-card=sweep] .chart-legend'), /interval over 32 scenes/);
      assert.match(await page.textContent('[data-card=sweep] .chart-legend'), /attribute-swap control/);
      assert.equal(await page.locator('[data-card=sweep] svg.sil-plot g[aria-label="line"]').count(), 2, 'mirror and control lines');
    });
  });

  it('shows errors in the panel with Retry when retryable', async () => {
    await withPanel({}, async (page) => {
      await page.evaluate(() => window.__stub.failNext('spatialIds/forward', { code: -32099, message: 'The inference server stopped; it is restarting.', retryable: true }));
      await page.click('vscode-button[data-action=run]');
      await page.waitForSelector('[data-view=error]:not([hidden])');
      assert.match(await page.textContent('[data-view=error]'), /Run failed \(code -32099\): The inference server stopped; it is restarting\./);
      await page.click('vscode-button[data-action=retry]');
      await page.waitForSelector('[data-answer=current]');
      assert.ok(await page.locator('[data-view=error]').evaluate((e) => e.hidden), 'the error clears after a successful retry');
      assert.equal((await requests(page, 'spatialIds/forward')).length, 2);

      // Not retryable (a corrupt image): no Retry button, Dismiss clears it.
      await page.evaluate(() => window.__stub.failNext('spatialIds/forward', { code: -32011, message: 'Cannot decode /workspace/images/scene-left-right.png: not a PNG file.', retryable: false }));
      await page.click('vscode-button[data-action=run]');
      await page.waitForSelector('[data-view=error]:not([hidden])');
      assert.equal(await page.locator('vscode-button[data-action=retry]').count(), 0);
      await page.click('vscode-button[data-action=dismiss]');
      assert.ok(await page.locator('[data-view=error]').evaluate((e) => e.hidden));

      // The server going away fails the open request; a panel-level error's Retry asks the host.
      await page.evaluate(() => window.__stub.send({ type: 'serverState', body: { state: 'restarting', message: 'The inference server exited; restarting (1 of 3).' } }));
      assert.match(await page.textContent('.server-badge'), /server restarting/);
      await page.evaluate(() => window.__stub.send({ type: 'error', requestId: 0, body: { code: -32011, message: 'ffmpeg cannot read this video.', retryable: true } }));
      await page.waitForSelector('vscode-button[data-action=retry]');
      await page.click('vscode-button[data-action=retry]');
      assert.equal((await sentOfType(page, 'retry')).length, 1);
    });
  });

  it('a picture the browser cannot show is an error in the panel, not a blank panel', async () => {
    await withPanel({ media: 'corrupt' }, async (page) => {
      await page.waitForSelector('[data-view=error]:not([hidden])');
      assert.match(await page.textContent('[data-view=error]'), /could not display corrupt\.png/);
      assert.equal(await page.locator('vscode-button[data-action=retry]').count(), 1);
      assert.ok(await page.locator('.question-box').isVisible(), 'the rest of the panel is still there');
    });
  });

  it('video: frame strip and scrubber, temporal-ID strip, and a frame click steers in time', async () => {
    await withPanel({ media: 'video', bank: 'temporal' }, async (page) => {
      assert.equal(await page.locator('.media-view .frame-thumb').count(), 8);
      // each thumbnail says which frame of the clip the model read there (the server's index and time)
      assert.equal(await page.getAttribute('.media-view .frame-thumb[data-frame="3"]', 'title'), 'Frame 4 of 8: clip frame 6 at 0.60 s');
      await page.click('.media-view .frame-thumb[data-frame="3"]');
      assert.equal(await page.getAttribute('.main-figure img', 'src'), 'frame-3.svg');
      assert.equal(await page.textContent('.frame-value'), 'frame 4 of 8');
      assert.equal(await page.evaluate(() => document.querySelector('.question-field').value), 'Does the red circle appear before or after the blue square?');
      await page.click('vscode-button[data-action=run]');
      await page.waitForSelector('[data-answer=current]');
      assert.equal(await page.textContent('[data-answer=current]'), 'before');
      await page.waitForSelector('.temporal-strip[data-object="red circle"] .heat-argmax');
      await setLayer(page, 3);
      await page.waitForFunction(() => document.querySelector('.temporal-strip[data-object="red circle"] .heat-argmax')?.getAttribute('data-cell') === '1');
      await page.click('.temporal-strip[data-object="red circle"] rect.heat-cell[data-cell="7"]');
      await page.waitForSelector('[data-answer=after]');
      const [steer] = await requests(page, 'spatialIds/steer');
      assert.equal(steer.body.params.object, 'red circle');
      assert.equal(steer.body.params.targetCell, 7);
      assert.deepEqual(steer.body.params.media, { video: '/workspace/clips/two-objects.mp4' });
      assert.equal(await page.textContent('[data-answer=after]'), 'after');
      await page.waitForFunction(() => document.querySelector('.temporal-strip[data-object="red circle"] .heat-argmax')?.getAttribute('data-cell') === '7');
      const csv = await exportFrom(page, 'temporal', 'csv');
      assert.equal(csv.data.trim().split('\n').length, 1 + 2 * 8);
      await saveArtifact('panel-video-dark.png', await page.screenshot());
    });
  });

  it('records every action; a saved experiment re-opens to the same view and says whether the numbers agree', async () => {
    let file;
    await withPanel({}, async (page) => {
      await run(page);
      await setLayer(page, 2);
      await setLayer(page, 3);
      await page.click('.main-figure rect.heat-cell[data-cell="15"]');
      await page.waitForSelector('[data-answer=after]');
      await page.click('.main-figure rect.heat-cell[data-cell="0"]');
      await page.waitForFunction(() => window.__stub.requests('spatialIds/steer').length === 2);
      await page.waitForFunction(() => document.querySelectorAll('.action-list li').length === 4);
      await page.click('vscode-button[data-action=undo]');
      await page.click('vscode-button[data-action=patch]');
      await page.waitForSelector('[data-card=sweep] svg.sil-plot');
      await page.click('vscode-button[data-action=save]');
      const [saved] = await sentOfType(page, 'saveExperiment');
      const ui = saved.body.experiment;
      assert.deepEqual(ui.actions, [{ kind: 'run' }, { kind: 'layer', layer: 3 }, { kind: 'steer' }, { kind: 'steer' }, { kind: 'undo' }, { kind: 'sweepPatches' }], 'consecutive layer moves are one action; the requests are not sent twice');
      file = await page.evaluate(() => window.__stub.savedFile());
      assert.equal(file.version, 2);
      assert.deepEqual(file.steps.map((s) => s.method), ['forward', 'probe', 'steer', 'probe', 'steer', 'probe', 'sweepPatches'], 'the steps in the order the panel asked');
      assert.ok(Array.isArray(file.steps[3].params.interventions), 'the probe under the first steering');
    });

    // Open Experiment...: the host re-runs the file and sends it with init; the panel rebuilds the view from it, asking nothing.
    await withPanel({ experiment: file }, async (page) => {
      await page.waitForSelector('[data-replay=report]');
      assert.match(await page.textContent('[data-replay=report]'), /Replayed 6 actions \(7 requests\); every result matched the saved numbers/);
      assert.equal((await requests(page)).length, 0, 'results come from the re-run file');
      assert.equal(await page.textContent('[data-answer=after]'), 'right', 'the undo took back the second steer');
      assert.equal(await page.textContent('.layer-number'), '3 / 6');
      assert.equal((await mainHeatmap(page)).argmax, 15);
      assert.ok(await page.locator('[data-card=sweep] svg.sil-plot').isVisible());
    });

    // A file whose saved numbers differ from the re-run says so, step by step.
    const tampered = structuredClone(file);
    tampered.steps[0].result.logprobs.left = -0.5;
    await withPanel({ experiment: tampered }, async (page) => {
      await page.waitForSelector('[data-replay=report]');
      assert.match(await page.textContent('[data-replay=report]'), /1 differ from the saved results:/);
      assert.deepEqual(await page.locator('[data-replay=differences] li').allTextContents(), ['action 1 (run), step 1 (forward): logprobs.left -0.5 became -0.143'], 'the differing action by number and kind, and what differed');
    });

    // A file saved without the panel's actions (e.g. by a script) still opens: runs, steers and sweeps from its steps.
    const bare = structuredClone(file);
    delete bare.ui;
    await withPanel({ experiment: bare }, async (page) => {
      await page.waitForSelector('[data-replay=report]');
      assert.match(await page.textContent('[data-replay=report]'), /Replayed 4 actions \(7 requests\); every result matched/);
      assert.equal(await page.textContent('[data-answer=after]'), 'left', 'the last steer in the file');
    });

    await withPanel({ experiment: { format: 'something-else' } }, async (page) => {
      await page.waitForSelector('[data-replay=report]');
      assert.match(await page.textContent('[data-replay=report]'), /Replay stopped: The panel was sent an experiment it cannot replay: open the file with Open Experiment\.\.\./);
    });
  });

  it('a hidden panel shown again restores from setState without re-running', async () => {
    await withPanel({}, async (page) => {
      await run(page);
      await page.click('.main-figure rect.heat-cell[data-cell="7"]');
      await page.waitForSelector('[data-answer=after]');
      await page.reload();
      await page.waitForSelector('[data-answer=after]');
      await page.waitForSelector('.media-title:not(:empty)');
      assert.equal(await page.textContent('[data-answer=after]'), 'right');
      assert.equal((await requests(page)).length, 0, 'nothing re-requested');
      assert.equal((await mainHeatmap(page)).argmax, 7);
    });
  });

  it('without the applied interventions from the server, says why the heatmaps did not move', async () => {
    await withPanel({ withoutInterventions: true }, async (page) => {
      await run(page);
      await page.click('.main-figure rect.heat-cell[data-cell="7"]');
      await page.waitForSelector('[data-answer=after]');
      assert.equal((await requests(page, 'spatialIds/probe')).length, 1);
      assert.match(await page.textContent('.steer-status'), /did not return the applied interventions/);
    });
  });

  it('looks native in light, dark and high-contrast themes at 1280x800 with no overflow', async () => {
    const background = { light: 'rgb(255, 255, 255)', dark: 'rgb(31, 31, 31)', 'high-contrast': 'rgb(0, 0, 0)' };
    for (const theme of ['light', 'dark', 'high-contrast']) {
      await withPanel({ theme }, async (page) => {
        await run(page);
        await page.click('.main-figure rect.heat-cell[data-cell="7"]');
        await page.waitForSelector('[data-answer=after]');
        await page.click('vscode-button[data-action=patch]');
        await page.waitForSelector('[data-card=sweep] svg.sil-plot');
        await page.evaluate(() => document.querySelector('.charts-column').scrollTo(0, 0));
        await page.mouse.move(0, 0);
        await assertNoOverflow(page, theme);
        const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        assert.equal(bg, background[theme]);
        await saveArtifact(`panel-${theme}.png`, await page.screenshot());
        for (const card of ['heatmaps', 'matrix', 'lattice', 'sweep']) {
          await saveArtifact(`card-${card}-${theme}.png`, await page.locator(`[data-card=${card}]`).screenshot());
        }
      });
    }
    // A narrow side panel: one column, still no horizontal overflow.
    await withPanel({ theme: 'dark' }, async (page) => {
      await run(page);
      await assertNoOverflow(page, 'narrow');
      await saveArtifact('panel-narrow-dark.png', await page.screenshot({ fullPage: true }));
    }, { width: 560, height: 800 });
  });

  it('follows a theme switch while open: charts are redrawn in the new colours', async () => {
    await withPanel({ theme: 'dark' }, async (page) => {
      await run(page);
      const darkFills = (await mainHeatmap(page)).fills;
      await page.evaluate(() => window.__stub.setTheme('light'));
      await page.waitForFunction((old) => {
        const fills = [...document.querySelectorAll('.main-figure .heat-cell')].map((r) => r.getAttribute('fill'));
        return fills.join() !== old.join();
      }, darkFills);
    });
  });
});

/** No element sticks out of the viewport sideways and nothing scrolls horizontally. */
async function assertNoOverflow(page, label) {
  const report = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.right > width + 0.5 || r.left < -0.5) out.push(`${el.localName}.${el.className?.baseVal ?? el.className} [${Math.round(r.left)}, ${Math.round(r.right)}]`);
    }
    const scrollers = [document.documentElement, ...document.querySelectorAll('.column, .card-body')]
      .filter((e) => e.scrollWidth > e.clientWidth + 1)
      .map((e) => `${e.localName}.${e.className} ${e.scrollWidth}>${e.clientWidth}`);
    return { width, out: out.slice(0, 10), scrollers };
  });
  assert.deepEqual(report.out, [], `${label}: elements outside the ${report.width}px viewport`);
  assert.deepEqual(report.scrollers, [], `${label}: horizontal scrolling`);
}

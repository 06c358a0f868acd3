// What the host asks of an open panel, in a real browser against the stub host: a palette
// command run in the panel (Steer Object..., Run Mirror Patching Sweep), Select Model... while
// the panel is open, a replay that goes on past a failed action and lists the action that
// differs, and the panel restored after a window reload. Run: node --test webview/test/
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mainHeatmap, requests, run, sentOfType, usePanelSite, withPanel } from './support/panelSession.mjs';

usePanelSite();

const question = 'Is the red circle to the left or right of the blue square?';
const methods = async (page) => (await requests(page)).map((r) => r.body.method.replace('spatialIds/', ''));

describe('host actions on an open panel', () => {
  it('a palette steer runs in the panel: asked, steered, shown and recorded', async () => {
    await withPanel({}, async (page) => {
      await page.waitForSelector('.media-title:not(:empty)');
      await page.evaluate((q) => window.__stub.send({ type: 'paletteAction', body: { kind: 'steer', question: q, object: 'red circle', targetCell: 15 } }), question);
      await page.waitForSelector('[data-answer=after]');
      assert.deepEqual(await methods(page), ['forward', 'probe', 'steer', 'probe'], 'the run, then the steer with its probe under the steering');
      const steer = (await requests(page, 'spatialIds/steer'))[0].body.params;
      assert.deepEqual([steer.question, steer.object, steer.targetCell], [question, 'red circle', 15]);
      assert.equal((await mainHeatmap(page)).argmax, 15, 'the steered heatmap is on screen');
      const log = await page.locator('.action-list li').allTextContents();
      assert.equal(log.length, 2);
      assert.match(log[0], /^1\. Run /);
      assert.match(log[1], /^2\. Steer red circle /);
    });
  });

  it('a palette sweep runs in the panel on this picture, not a held-out batch', async () => {
    await withPanel({}, async (page) => {
      await page.waitForSelector('.media-title:not(:empty)');
      await page.evaluate((q) => window.__stub.send({ type: 'paletteAction', body: { kind: 'sweepPatches', question: q } }), question);
      await page.waitForSelector('[data-card=sweep] svg.sil-plot');
      const sweep = (await requests(page, 'spatialIds/sweepPatches'))[0].body.params;
      assert.equal(sweep.batch, undefined);
      assert.equal(sweep.question, question);
    });
  });

  it('a malformed palette action is refused with the reason, and nothing is asked', async () => {
    await withPanel({}, async (page) => {
      await page.waitForSelector('.media-title:not(:empty)');
      await page.evaluate(() => window.__stub.send({ type: 'paletteAction', body: { kind: 'steer', question: 'Where?', object: 'red circle', targetCell: -1 } }));
      await page.waitForSelector('.error-banner, [data-view=error]', { timeout: 5000 }).catch(() => undefined);
      assert.match(await page.textContent('body'), /a steer needs an object and a whole target cell/);
      assert.equal((await requests(page)).length, 0);
    });
  });

  it('Select Model... with the panel open: the old results go, the question is asked again, the header names the new model and Derive is offered', async () => {
    await withPanel({}, async (page) => {
      await run(page);
      await page.click('.main-figure rect.heat-cell[data-cell="7"]');
      await page.waitForSelector('[data-answer=after]');
      const before = (await requests(page)).length;
      // what the host sends after the switch: the new model, which has no ID bank yet
      await page.evaluate(() => {
        const init = JSON.parse(sessionStorage.getItem('stub-webview-state')).init;
        window.__stub.send({ type: 'init', body: { ...init, model: { ...init.model, dir: '/ext/models/tiny-spatial-vlm-random-init', decoderHash: 'ee'.repeat(32) }, bank: null } });
      });
      await page.waitForFunction((n) => window.__stub.requests().length > n, before);
      await page.waitForFunction(() => /Switched to tiny-spatial-vlm-random-init/.test(document.body.textContent ?? ''));
      const again = (await requests(page)).slice(before).map((r) => r.body.method);
      assert.deepEqual(again, ['spatialIds/forward'], 'the question again, without a probe: the new model has no bank');
      assert.match(await page.textContent('.model-meta'), /^tiny-spatial-vlm-random-init · /);
      assert.ok(await page.locator('vscode-button[data-action=derive]').isVisible(), 'Derive IDs is offered');
      assert.equal(await page.locator('[data-answer=after]').count(), 0, "the old model's steering is gone");
      const log = await page.locator('.action-list li').allTextContents();
      assert.equal(log.length, 1, 'a new experiment: one model per file');
      assert.match(log[0], /^1\. Run /);
    });
  });

  it('a failed action is recorded; its replay goes on past it and lists it by number and kind', async () => {
    let file;
    await withPanel({}, async (page) => {
      await run(page);
      await page.evaluate(() => window.__stub.failNext('spatialIds/steer', { code: -32015, message: 'The ID bank does not fit the model.', retryable: false }));
      await page.click('.main-figure rect.heat-cell[data-cell="15"]');
      await page.waitForFunction(() => /Steer failed/.test(document.querySelector('.action-list')?.textContent ?? ''));
      await page.click('.main-figure rect.heat-cell[data-cell="15"]');
      await page.waitForSelector('[data-answer=after]');
      await page.click('vscode-button[data-action=patch]');
      await page.waitForSelector('[data-card=sweep] svg.sil-plot');
      await page.click('vscode-button[data-action=save]');
      await sentOfType(page, 'saveExperiment');
      file = await page.evaluate(() => window.__stub.savedFile());
      assert.deepEqual(file.ui.actions.map((a) => a.kind), ['run', 'steer', 'steer', 'sweepPatches'], 'the failed steer is an action of the file');
      assert.equal(file.steps.filter((s) => s.error).length, 1);

    });
    // re-run now, the steer that failed when recorded answers: that action is listed, and the rest replays
    await withPanel({ experiment: file }, async (page) => {
      await page.waitForSelector('[data-replay=report]');
      const report = await page.textContent('[data-replay=report]');
      assert.match(report, new RegExp(`Replayed 3 actions \\(${file.steps.length} requests\\); 1 differ from the saved results:`));
      // the steer that answers now asks for its probe under the steering, which the file does not have: said, and the walk goes on
      assert.match(report, /Not replayed: action 2 \(steer\): step \d is a steer, but the panel asked for a probe here/);
      const steerAt = file.steps.findIndex((s) => s.error);
      assert.deepEqual(await page.locator('[data-replay=differences] li').allTextContents(), [
        `action 2 (steer), step ${steerAt + 1} (steer): outcome "error: The ID bank does not fit the model." became "a result"`,
      ]);
      assert.ok(await page.locator('[data-card=sweep] svg.sil-plot').isVisible(), 'the sweep after it was replayed');
    });
  });

  it('after a window reload the panel comes back with its question, view and log, and a replayed experiment is not replayed again', async () => {
    let file;
    await withPanel({}, async (page) => {
      await run(page);
      await page.click('.main-figure rect.heat-cell[data-cell="7"]');
      await page.waitForSelector('[data-answer=after]');
      await page.click('vscode-button[data-action=save]');
      await sentOfType(page, 'saveExperiment');
      file = await page.evaluate(() => window.__stub.savedFile());
      const log = await page.locator('.action-list li').allTextContents();
      const asked = await page.evaluate(() => document.querySelector('[data-view=question] textarea, [data-view=question] vscode-textarea, [data-view=question] input')?.value);
      await page.reload();
      await page.waitForSelector('[data-answer=after]');
      assert.deepEqual(await page.locator('.action-list li').allTextContents(), log);
      assert.equal(await page.evaluate(() => document.querySelector('[data-view=question] textarea, [data-view=question] vscode-textarea, [data-view=question] input')?.value), asked, 'the question');
      assert.equal((await requests(page)).length, 0, 'nothing asked again');
      assert.equal((await mainHeatmap(page)).argmax, 7);
    });
    await withPanel({ experiment: file }, async (page) => {
      await page.waitForSelector('[data-replay=report]');
      await page.waitForSelector('[data-answer=after]');
      const log = await page.locator('.action-list li').allTextContents();
      assert.equal(log.length, 2);
      await page.reload();
      await page.waitForSelector('[data-answer=after]');
      assert.match(await page.textContent('[data-replay=report]'), /Replayed 2 actions \(4 requests\); every result matched/);
      assert.deepEqual(await page.locator('.action-list li').allTextContents(), log, 'the log is not walked twice');
    });
  });
});

// The panel's first question and a typed question's controls, in a real browser against the stub
// host (issue 18 items 5 and 11): a scene-engine picture opens on a question about objects in it
// (its sidecar, sent with init); a picture without one opens with blank names that Run asks for;
// typing a question moves the template, the object selects and the steering choices to it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { saveArtifact } from './support/harness.mjs';
import { requests, run, usePanelSite, withPanel } from './support/panelSession.mjs';

usePanelSite();

const value = (page, selector) => page.evaluate((s) => document.querySelector(s).value, selector);
const selects = (page) => page.$$eval('.word-select', (s) => s.map((e) => e.value));
const radios = (page) => page.$$eval('.object-choice vscode-radio', (r) => r.map((e) => e.getAttribute('value')));

/** Chooses a word in the nth object select, as a user would. */
async function choose(page, index, word) {
  await page.evaluate(([i, w]) => {
    const select = document.querySelectorAll('.word-select')[i];
    select.value = w;
    select.dispatchEvent(new Event('change'));
  }, [index, word]);
}

async function waitFor(page, read, expected) {
  await page.waitForFunction(
    ([fn, want]) => JSON.stringify(new Function(`return (${fn})()`)()) === JSON.stringify(want),
    [read.toString(), expected],
  ).catch(async () => assert.deepEqual(await page.evaluate(read), expected));
}

describe('the first question', () => {
  it('a picture without a scene sidecar: no object it may not hold is named; Run asks for the objects', async () => {
    await withPanel({ sidecar: false }, async (page) => {
      assert.equal(await value(page, '.question-field'), 'Is the … to the left or right of the …?');
      assert.deepEqual(await selects(page), ['', '']);
      assert.deepEqual(await page.$$eval('.word-select', (s) => s.map((e) => e.querySelector('vscode-option').textContent)), ['Choose…', 'Choose…']);
      assert.deepEqual(await radios(page), [], 'nothing to steer before the objects are named');
      assert.match(await page.getAttribute('vscode-button[data-action=run]', 'title'), /Name both objects/);
      await page.click('vscode-button[data-action=run]');
      await page.waitForFunction(() => /Name both objects/.test(document.querySelector('.steer-status').textContent));
      assert.equal((await requests(page, 'spatialIds/forward')).length, 0, 'nothing is asked about objects nobody named');
      await saveArtifact('question-blank-names.png', await page.screenshot());

      await choose(page, 0, 'yellow star');
      assert.equal(await value(page, '.question-field'), 'Is the yellow star to the left or right of the …?');
      await choose(page, 1, 'green triangle');
      assert.equal(await value(page, '.question-field'), 'Is the yellow star to the left or right of the green triangle?');
      assert.equal(await page.getAttribute('vscode-button[data-action=run]', 'title'), null);
      await run(page);
      assert.equal((await requests(page, 'spatialIds/forward'))[0].body.params.question, 'Is the yellow star to the left or right of the green triangle?');
    });
  });

  it('a scene sidecar: two of its objects, asked what the scene answers', async () => {
    // one column: left/right has no answer there, so the first question is above/below
    const sidecar = { grid: 4, objects: [{ name: 'green triangle', x: 0.375, y: 0.875, size: 0.2 }, { name: 'yellow star', x: 0.375, y: 0.125, size: 0.2 }] };
    await withPanel({ sidecar }, async (page) => {
      assert.equal(await value(page, '.question-field'), 'Is the green triangle above or below the yellow star?');
      assert.equal(await value(page, '.template-select'), '1');
      assert.deepEqual(await selects(page), ['green triangle', 'yellow star']);
      assert.deepEqual(await radios(page), ['green triangle', 'yellow star']);
    });
  });
});

describe('a typed question moves the controls', () => {
  it('template, objects and steering choices follow the text; steering waits for its run', async () => {
    await withPanel({}, async (page) => {
      assert.equal(await value(page, '.question-field'), 'Is the red circle to the left or right of the blue square?', 'the scene holds both');
      await run(page);
      assert.deepEqual(await radios(page), ['red circle', 'blue square']);

      await page.fill('.question-field input', 'Is the blue square above or below the yellow star?');
      await waitFor(page, () => document.querySelector('.template-select').value, '1');
      assert.deepEqual(await selects(page), ['blue square', 'yellow star']);
      assert.deepEqual(await radios(page), ['blue square', 'yellow star']);
      assert.match(await page.textContent('.main-figure .readout'), /Run the question to read where/);
      // the answer on screen is the old question's: a click on the picture does not steer it with the new one's objects
      await page.click('.main-figure rect.heat-cell[data-cell="7"]');
      await page.waitForFunction(() => /question was changed after its run/.test(document.querySelector('.steer-status').textContent));
      assert.equal((await requests(page, 'spatialIds/steer')).length, 0);

      // no template's shape: "Own question", with the objects the text names
      await page.fill('.question-field input', 'Is the blue square bigger than the green triangle?');
      await waitFor(page, () => document.querySelector('.template-select').value, '-1');
      assert.ok(await page.locator('.answers-row').isVisible(), 'an own question takes answer words');
      assert.deepEqual(await selects(page), ['blue square', 'green triangle']);
      assert.deepEqual(await radios(page), ['blue square', 'green triangle']);

      // one object named: the second is blank, never the first one again
      await page.fill('.question-field input', 'Is the blue square bigger?');
      await waitFor(page, () => [...document.querySelectorAll('.word-select')].map((e) => e.value), ['blue square', '']);
      assert.deepEqual(await radios(page), ['blue square']);

      await page.fill('.question-field input', 'Is the blue square above or below the yellow star?');
      await waitFor(page, () => document.querySelector('.template-select').value, '1');
      await run(page);
      const probes = await requests(page, 'spatialIds/probe');
      assert.deepEqual(probes[probes.length - 1].body.params.objects, ['blue square', 'yellow star']);
      await page.click('.main-figure rect.heat-cell[data-cell="3"]');
      await page.waitForFunction(() => window.__stub.requests('spatialIds/steer').length === 1);
      assert.equal((await requests(page, 'spatialIds/steer'))[0].body.params.question, 'Is the blue square above or below the yellow star?');
      await page.waitForFunction(() => /Moved blue square/.test(document.querySelector('.steer-status').textContent));
    });
  });
});

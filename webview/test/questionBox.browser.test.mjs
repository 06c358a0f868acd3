// The question box in a real browser against the stub host: what can be asked comes from the
// model's vocabulary (ModelInfo.vocabulary). The bundled model keeps its closed vocabulary; a model
// that reads open text (a Qwen2-VL-like one) takes free object names and free questions, and every
// request the panel sends names its objects and answer words.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { saveArtifact } from './support/harness.mjs';
import { requests, setField, usePanelSite, withPanel } from './support/panelSession.mjs';

usePanelSite();

const fieldValue = (page, selector) => page.evaluate((s) => document.querySelector(s).value, selector);
const visible = (page, selector) => page.locator(selector).first().isVisible();
const optionLabels = (page) => page.$$eval('.template-select vscode-option', (o) => o.map((e) => e.textContent));
const IMAGE = { image: '/workspace/images/scene-left-right.png' };

async function typeName(page, index, name) {
  await page.locator('.object-field input').nth(index).fill(name);
}

async function runAndWait(page, forwards) {
  await page.click('vscode-button[data-action=run]');
  await page.waitForFunction((n) => window.__stub.requests('spatialIds/forward').length === n, forwards);
  await page.waitForFunction((n) => window.__stub.requests('spatialIds/probe').length === n && document.querySelector('[data-answer=current]'), forwards);
}

describe('question box', () => {
  it('the bundled model: its templates and object words, chosen from lists as before', async () => {
    await withPanel({}, async (page) => {
      assert.equal(await fieldValue(page, '.question-field'), 'Is the red circle to the left or right of the blue square?');
      assert.ok(await visible(page, '.word-select'), 'object words are chosen from the closed vocabulary');
      assert.equal(await page.locator('.object-field:visible').count(), 0, 'no free name fields');
      assert.ok(!(await visible(page, '.answers-row')), 'a template brings its answer words');
      assert.deepEqual(await optionLabels(page), ['Is the … to the left or right of the …?', 'Is the … above or below the …?', 'Own question']);
      // the scene's four words, after "Choose…" (no object chosen)
      assert.deepEqual(await page.$$eval('.word-select', (s) => s.map((e) => e.querySelectorAll('vscode-option').length)), [5, 5]);
      await setField(page, '.template-select', '1');
      assert.equal(await fieldValue(page, '.question-field'), 'Is the red circle above or below the blue square?');
      await runAndWait(page, 1);
      assert.deepEqual((await requests(page, 'spatialIds/forward'))[0].body.params, { media: IMAGE, question: 'Is the red circle above or below the blue square?', answers: ['above', 'below'] });
      assert.equal(await page.textContent('[data-answer=current]'), 'above');
    });
  });

  it('an open-vocabulary model: free object names fill its templates; the requests carry them and the template’s answers', async () => {
    // a picture without a scene sidecar: the panel knows none of its objects
    await withPanel({ model: 'open', sidecar: false }, async (page) => {
      assert.match(await page.textContent('.model-meta'), /qwen2_vl/);
      assert.equal(await page.locator('.word-select:visible').count(), 0, 'no closed word lists');
      assert.equal(await page.locator('.object-field:visible').count(), 2);
      assert.deepEqual(await optionLabels(page), ['Is the … to the left or right of the …?', 'Is the … above or below the …?', 'Where is the …?', 'Own question']);
      assert.equal(await fieldValue(page, '.question-field'), 'Is the … to the left or right of the …?');
      // nothing is asked before the objects are named
      await page.click('vscode-button[data-action=run]');
      await page.waitForFunction(() => /Name both objects/.test(document.querySelector('.steer-status').textContent));
      assert.equal((await requests(page, 'spatialIds/forward')).length, 0);

      await typeName(page, 0, 'dog');
      await typeName(page, 1, 'traffic light');
      assert.equal(await fieldValue(page, '.question-field'), 'Is the dog to the left or right of the traffic light?');
      await runAndWait(page, 1);
      const [forward] = await requests(page, 'spatialIds/forward');
      assert.deepEqual(forward.body.params, { media: IMAGE, question: 'Is the dog to the left or right of the traffic light?', answers: ['left', 'right'] });
      const [probe] = await requests(page, 'spatialIds/probe');
      assert.deepEqual(probe.body.params.objects, ['dog', 'traffic light']);
      assert.equal(await page.textContent('[data-answer=current]'), 'left');
      await page.waitForSelector('[data-card=heatmaps] .heatmap-figure');
      assert.deepEqual(await page.$$eval('[data-card=heatmaps] .heatmap-figure', (f) => f.map((e) => e.getAttribute('data-object'))), ['dog', 'traffic light']);
      await saveArtifact('question-box-open-vocabulary.png', await page.screenshot({ fullPage: true }));

      // a one-object template hides the second name
      await setField(page, '.template-select', '2');
      assert.equal(await fieldValue(page, '.question-field'), 'Where is the dog?');
      assert.equal(await page.locator('.object-field:visible').count(), 1);

      // steering moves a freely named object, named as the user typed it
      await setField(page, '.template-select', '0');
      await page.click('.main-figure rect.heat-cell[data-cell="15"]');
      await page.waitForSelector('[data-answer=after]');
      const [steer] = await requests(page, 'spatialIds/steer');
      assert.equal(steer.body.params.object, 'dog');
      assert.equal(steer.body.params.question, 'Is the dog to the left or right of the traffic light?');
      assert.equal(await page.textContent('[data-answer=after]'), 'right');
    });
  });

  it('a question of the user’s own: typed object names and answer words, or none and the generated answer', async () => {
    await withPanel({ model: 'open' }, async (page) => {
      await setField(page, '.template-select', '-1');
      assert.ok(await visible(page, '.answers-row'), 'answer words are asked for a question without a template');
      await page.fill('.question-field input', 'Is the red car closer to the camera than the dog?');
      await typeName(page, 0, 'red car');
      await typeName(page, 1, 'dog');
      assert.equal(await fieldValue(page, '.question-field'), 'Is the red car closer to the camera than the dog?', 'names do not rewrite a question of the user’s own');
      await page.locator('.answers-field input').fill('yes, no');
      await runAndWait(page, 1);
      assert.deepEqual((await requests(page, 'spatialIds/forward'))[0].body.params, { media: IMAGE, question: 'Is the red car closer to the camera than the dog?', answers: ['yes', 'no'] });
      assert.deepEqual((await requests(page, 'spatialIds/probe'))[0].body.params.objects, ['red car', 'dog']);
      assert.equal(await page.textContent('[data-answer=current]'), 'no');

      // a name the question does not contain is caught before anything is asked
      await typeName(page, 1, 'traffic light');
      await page.click('vscode-button[data-action=run]');
      await page.waitForFunction(() => /"traffic light" is not in the question/.test(document.querySelector('.steer-status').textContent));
      assert.equal((await requests(page, 'spatialIds/forward')).length, 1);

      // without answer words the request names none (the generated answer is shown)
      await typeName(page, 1, 'dog');
      await page.locator('.answers-field input').fill('');
      await runAndWait(page, 2);
      // an explicit empty list: the server scores no answer words, it does not guess them from the question
      assert.deepEqual((await requests(page, 'spatialIds/forward'))[1].body.params.answers, []);

      // a batch sweep asks held-out scenes a template's relation: refused for a question without one
      await setField(page, '.batch-field', '8');
      await page.click('vscode-button[data-action=patch]');
      await page.waitForFunction(() => /batch sweep asks held-out scenes the relation of a template/.test(document.querySelector('.steer-status').textContent));
      assert.equal((await requests(page, 'spatialIds/sweepPatches')).length, 0);

      // typed into a template's shape, the question is that template's again, with its answers
      await page.fill('.question-field input', 'Is the red car above or below the dog?');
      await page.waitForFunction(() => document.querySelector('.template-select').value === '1');
      assert.ok(!(await visible(page, '.answers-row')));
      await runAndWait(page, 3);
      assert.deepEqual((await requests(page, 'spatialIds/forward'))[2].body.params.answers, ['above', 'below']);
      await page.click('vscode-button[data-action=patch]');
      await page.waitForFunction(() => window.__stub.requests('spatialIds/sweepPatches').length === 1);
      assert.deepEqual((await requests(page, 'spatialIds/sweepPatches'))[0].body.params, { batch: 8, relation: 'aboveBelow' });
    });
  });
});

// The token view (TransformerLens `to_str_tokens`) in a real browser: the prompt's tokens in order
// with the media tokens as one labelled run, <unk> tokens marked with their word, the object word
// read and steered highlighted; the answer view of a grounding steer judged on whole answers; and,
// in the panel against the stub host, the tokens under the answer of every question, a question
// naming no object the model reads keeping its answer with a note, the old heatmap cleared.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useFixturePage } from './support/fixturePage.mjs';
import { saveArtifact } from './support/harness.mjs';
import { requests, run, usePanelSite, withPanel } from './support/panelSession.mjs';

usePanelSite();

const page = useFixturePage('tokenViewPage.ts', '__tokenView');

const items = (p, scope = '') =>
  p.$$eval(`${scope} .str-token-list > li`, (li) => li.map((n) => ({ text: n.querySelector('.token-text')?.textContent ?? n.textContent, position: Number(n.getAttribute('data-position')), classes: n.className, title: n.getAttribute('title') })));

describe('token view', () => {
  it('lists the prompt in order, media as one run, <unk> marked with its word, the object word read and steered highlighted', async () => {
    const { p, errors, close } = await page();
    try {
      await p.evaluate(() => window.__tokenView.show(true));
      const list = await items(p);
      // 3 text tokens, one run for 16 image tokens, 14 question tokens
      assert.equal(list.length, 3 + 1 + 14);
      assert.deepEqual(list.map((t) => t.position), [0, 1, 2, 3, ...Array.from({ length: 14 }, (_, i) => 19 + i)], 'in prompt order');
      assert.equal(list[3].text, '<image> × 16');
      assert.match(list[3].title, /16 image tokens at positions 3–18/);
      const unknown = list.filter((t) => /\bunknown\b/.test(t.classes));
      assert.deepEqual(unknown.map((t) => t.position), [21, 29]);
      assert.deepEqual(await p.$$eval('.str-token.unknown .token-word', (w) => w.map((n) => n.textContent)), ['big', 'cat'], 'each <unk> names its word');
      assert.match(await p.textContent('[data-view=unknown-words]'), /read as <unk>: "big", "cat"/);
      const read = list.filter((t) => /\bread\b/.test(t.classes));
      assert.deepEqual(read.map((t) => [t.position, t.text]), [[23, 'square']]);
      assert.match(read[0].title, /read as "blue square" · steered/);
      assert.deepEqual(list.filter((t) => /\bsteered\b/.test(t.classes)).map((t) => t.position), [23]);
      // the marks are drawn, not only named: the read token and the unknown ones look unlike a plain token
      const style = (sel) => p.$eval(sel, (n) => { const s = getComputedStyle(n); return `${s.color}|${s.backgroundColor}|${s.borderTopStyle}|${s.outlineStyle}`; });
      for (const theme of ['dark', 'light', 'high-contrast', 'high-contrast-light']) {
        await p.evaluate((t) => window.__tokenView.theme(t), theme);
        const plain = await style('.str-token[data-position="19"]');
        for (const sel of ['.str-token.read', '.str-token.unknown', '.str-token.media-run', '.str-token.steered']) assert.notEqual(await style(sel), plain, `${sel} is styled apart in ${theme}`);
      }
      await p.evaluate(() => window.__tokenView.theme('dark'));
      assert.match(await p.textContent('.token-summary'), /33 tokens, 16 of them media\. Highlighted: the object words read and steered\./);
      await saveArtifact('token-view.png', await p.screenshot());
      await p.evaluate(() => window.__tokenView.show(false));
      assert.deepEqual(await p.$$eval('.str-token.steered', (n) => n.length), 0, 'nothing steered: no steered mark');
      await p.evaluate(() => window.__tokenView.clear());
      assert.equal(await p.isVisible('[data-view=tokens]'), false, 'no tokens: hidden');
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  it('a grounding steer shows whole answers, "changed", and log P of each whole answer under every run', async () => {
    const { p, errors, close } = await page();
    try {
      await p.evaluate(() => window.__tokenView.answer('steer'));
      assert.equal(await p.textContent('[data-answer=before]'), 'row 2 column 1');
      assert.equal(await p.textContent('[data-answer=after]'), 'row 4 column 4');
      assert.deepEqual(await p.$$eval('.answer-compare .flip-badge', (b) => b.map((n) => n.textContent)), ['changed', 'unchanged']);
      const rows = await p.$$eval('.whole-answer-table tbody tr', (tr) => tr.map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent)));
      assert.deepEqual(rows, [
        ['row 2 column 1', 'before, noise control', '-0.020', '-9.500', '-9.480', '-0.400', '-0.380'],
        ['row 4 column 4', 'steered', '-12.250', '-0.080', '+12.170', '-10.500', '+1.750'],
      ]);
      assert.equal(await p.$$eval('.logprob-table', (t) => t.length), 1, "a phrase answer's first word is not tabled on its own");
      assert.ok(await p.isVisible('.answer-view [data-view=tokens]'), 'the tokens under the answer');
      await saveArtifact('token-view-steer.png', await p.screenshot());
      // a two-way question keeps its answer-word table and says "flipped"
      await p.evaluate(() => window.__tokenView.answer('words'));
      assert.deepEqual(await p.$$eval('.answer-compare .flip-badge', (b) => b.map((n) => n.textContent)), ['flipped', 'unchanged']);
      assert.deepEqual(await p.$$eval('.logprob-table tbody tr td.word', (c) => c.map((n) => n.textContent)), ['left', 'right']);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});

describe('token view in the panel', () => {
  it('every question shows its tokens under the answer; a question naming no object the model reads keeps its answer, with a note, and clears the old heatmap', async () => {
    await withPanel({}, async (page) => {
      await run(page);
      assert.ok(await page.isVisible('.answer-view [data-view=tokens]'));
      const read = await page.$$eval('.answer-view .str-token.read', (n) => n.map((e) => e.querySelector('.token-text').textContent));
      // the stub host splits its canned prompt at spaces: "square?" is one of its tokens
      assert.deepEqual(read, ['circle', 'square?'], 'the object words the probe read');
      assert.equal(await page.$$eval('.answer-view .str-token.media-run', (n) => n.map((e) => e.textContent)).then((t) => t[0]), '<image> × 16');
      await page.locator('.question-field input').fill('Is the dog to the left of the cat?');
      await page.click('vscode-button[data-action=run]');
      await page.waitForFunction(() => window.__stub.requests('spatialIds/forward').length === 2 && document.querySelector('[data-view=object-note]:not([hidden])'));
      assert.equal((await requests(page, 'spatialIds/probe')).length, 1, 'no probe of objects the question does not name');
      assert.ok(await page.isVisible('[data-answer=current]'), 'the answer stays');
      assert.match(await page.textContent('[data-view=object-note]'), /names no object this model reads/);
      assert.match(await page.textContent('.answer-view .logprob-table caption'), /no answer words named: log P of the answer's first word/);
      assert.equal(await page.$$eval('.main-figure .heat-argmax', (n) => n.length), 0, "the previous question's heatmap is gone");
      assert.ok((await page.$$eval('.answer-view .str-token .token-text', (n) => n.map((e) => e.textContent))).includes('dog'), "the new question's tokens");
      assert.equal(await page.$$eval('.answer-view .str-token.read', (n) => n.length), 0);
      await saveArtifact('token-view-panel-unread.png', await page.screenshot());
    });
  });

  it('a probe that cannot find the objects leaves the answer and tokens, with its message as the note', async () => {
    await withPanel({}, async (page) => {
      await page.evaluate(() => window.__stub.failNext('spatialIds/probe', { code: -32012, message: '"red circle" is not in the question: name a word that the question contains.', retryable: false }));
      await page.click('vscode-button[data-action=run]');
      await page.waitForSelector('[data-answer=current]');
      await page.waitForSelector('[data-view=object-note]:not([hidden])');
      assert.match(await page.textContent('[data-view=object-note]'), /Where the objects are was not read: "red circle" is not in the question/);
      assert.ok(await page.isVisible('.answer-view [data-view=tokens]'));
      assert.equal(await page.$$eval('.error-banner:not([hidden])', (n) => n.length), 0, 'no error banner hides the answer');
    });
  });
});

// Keyboard steering, long work with progress and Cancel, the Batch hint, the one coordinate
// convention, and contrast of every control in Light and Dark High Contrast, measured from the
// rendered colours. Run: node --test webview/test/panelAccess.browser.test.mjs
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { saveArtifact } from './support/harness.mjs';
import { requests, run, sentOfType, usePanelSite, withPanel } from './support/panelSession.mjs';

usePanelSite();

const activeCell = (page) => page.evaluate(() => document.activeElement?.getAttribute('data-cell'));

describe('panel accessibility and long work', () => {
  it('steers from the keyboard: the cells take focus, arrows move, Enter steers, with 1-based labels', async () => {
    await withPanel({}, async (page) => {
      await run(page);
      const first = page.locator('.main-figure .heat-cell[tabindex="0"]');
      assert.equal(await first.count(), 1, 'the grid is one tab stop');
      assert.equal(await page.locator('.main-figure .heat-cell[tabindex="-1"]').count(), 15);
      // Tab from the control before the picture reaches the grid
      await page.focus('.main-figure .heat-cell[tabindex="0"]');
      const start = Number(await activeCell(page));
      const cells = await page.evaluate(() => [...document.querySelectorAll('.main-figure .heat-cell')].map((c) => c.getAttribute('aria-label')));
      assert.match(cells[4], /^row 2, column 1: similarity -?\d\.\d\d/, 'cell 4 is row 2, column 1 (1-based)');
      assert.ok(cells.every((l) => /^row \d, column \d: /.test(l)), 'every cell is named row r, column c');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowDown');
      const moved = Number(await activeCell(page));
      const expected = await page.evaluate(([s]) => {
        const c = [...document.querySelectorAll('.main-figure .heat-cell')].map((n) => ({ x: Number(n.getAttribute('x')), y: Number(n.getAttribute('y')) }));
        const x = Math.min(3, c[s].x + 1);
        const y = Math.min(3, c[s].y + 1);
        return c.findIndex((p) => p.x === x && p.y === y);
      }, [start]);
      assert.equal(moved, expected, 'arrows move one cell right and one down');
      const ring = await page.evaluate(() => getComputedStyle(document.activeElement).strokeWidth);
      assert.equal(ring, '3px', 'the focused cell is outlined');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => window.__stub.requests('spatialIds/steer').length === 1);
      const [steer] = await requests(page, 'spatialIds/steer');
      assert.equal(steer.body.params.targetCell, moved, 'Enter steers the selected object to the focused cell');
      await page.waitForSelector('.main-figure .heat-target');
      assert.equal(Number(await activeCell(page)), moved, 'focus stays on the cell after the redraw');
      await page.keyboard.press(' ');
      await page.waitForFunction(() => window.__stub.requests('spatialIds/steer').length === 2);
      const status = await page.textContent('[data-view=steering], .steer-status').catch(() => '');
      assert.doesNotMatch(status ?? '', /\(\d,\d\)/, 'no 0-based (x,y) in the steering status');
    });
  });

  it('steers in time from the keyboard: each object’s frame strip takes focus, frames named 1..8', async () => {
    await withPanel({ media: 'video', bank: 'temporal' }, async (page) => {
      assert.deepEqual(await page.evaluate(() => [...document.querySelectorAll('.media-view .frame-thumb img')].map((i) => i.alt)), Array.from({ length: 8 }, (_, i) => `frame ${i + 1} of 8`));
      await page.click('vscode-button[data-action=run]');
      await page.waitForSelector('.temporal-strip[data-object="red circle"] .heat-argmax');
      const strip = '.temporal-strip[data-object="red circle"]';
      assert.match(await page.getAttribute(`${strip} .heat-cell[data-cell="0"]`, 'aria-label'), /^frame 1: similarity/);
      await page.focus(`${strip} .heat-cell[tabindex="0"]`);
      await page.keyboard.press('End');
      assert.equal(await activeCell(page), '7', 'End goes to the last frame');
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('Enter');
      await page.waitForSelector('[data-answer=after]');
      const [steer] = await requests(page, 'spatialIds/steer');
      assert.deepEqual([steer.body.params.object, steer.body.params.targetCell], ['red circle', 6]);
      await page.waitForFunction((s) => document.querySelector(`${s} .heat-target`)?.getAttribute('data-cell') === '6', strip);
      assert.equal(await activeCell(page), '6', 'focus stays on the frame after the strips are redrawn');
      assert.equal(await page.evaluate(() => document.activeElement.closest('.temporal-strip')?.getAttribute('data-object')), 'red circle');
    });
  });

  it('shows a sweep’s progress as n of N, and Cancel cancels it calmly (no error)', async () => {
    await withPanel({}, async (page) => {
      await run(page);
      await page.evaluate(() => window.__stub.holdNext('spatialIds/sweepPatches'));
      await page.click('vscode-button[data-action=patch]');
      await page.waitForFunction(() => /of 4200/.test(document.querySelector('[data-view=progress]')?.textContent ?? ''));
      const text = await page.textContent('[data-view=progress] .work-label');
      assert.match(text, /^Patch sweep… patching \d+ of 4200$/);
      assert.ok(Number(await page.getAttribute('[data-view=progress] .work-bar', 'aria-valuenow')) > 0, 'the bar follows the percentage');
      await page.click('[data-view=progress] button[data-action=cancel]');
      await page.waitForSelector('[data-view=progress].cancelled');
      assert.match(await page.textContent('[data-view=progress]'), /^Cancelled: Patch sweep stopped/);
      assert.equal((await sentOfType(page, 'cancel')).length, 1, 'the host was asked to cancel');
      assert.equal(await page.locator('.error-banner:visible, [data-view=error]:visible').count(), 0, 'no error banner');
      // the panel is free again: a sweep runs to its chart
      await page.click('vscode-button[data-action=patch]');
      await page.waitForSelector('[data-card=sweep] svg.sil-plot');
      assert.equal(await page.locator('[data-view=progress]:visible').count(), 0, 'the cancelled note goes with the next action');
    });
  });

  it('the Batch hint follows what is typed', async () => {
    await withPanel({}, async (page) => {
      const hint = () => page.textContent('.batch-hint');
      assert.equal(await hint(), '0: this picture');
      const type = (v) =>
        page.evaluate((value) => {
          const f = document.querySelector('.batch-field');
          f.value = value;
          f.dispatchEvent(new Event('input'));
        }, v);
      await type('25');
      assert.match(await hint(), /^25 held-out scenes asking the same relation/);
      await type('-3');
      assert.match(await hint(), /^Type 0 for this picture or a whole number/);
      await type('0');
      assert.equal(await hint(), '0: this picture');
    });
  });

  for (const theme of ['high-contrast', 'high-contrast-light']) {
    it(`every control has a contrast of at least 3:1 in ${theme}, from the rendered colours`, async () => {
      await withPanel({ theme }, async (page) => {
        await run(page);
        await page.click('vscode-button[data-action=patch]');
        await page.waitForSelector('[data-card=sweep] svg.sil-plot');
        const report = await page.evaluate(measureControls);
        await saveArtifact(`contrast-${theme}.png`, await page.screenshot({ fullPage: true }));
        assert.ok(report.checked.length >= 20, `controls measured: ${report.checked.length}`);
        assert.ok(report.checked.some((c) => c.name.includes('PNG')), 'the export buttons are measured');
        assert.deepEqual(report.failures, [], `below 3:1 in ${theme}`);
      });
    });
  }
});

/** In the page: each visible control's text and border against the background behind it (WCAG 2 relative luminance). */
function measureControls() {
  const parse = (c) => {
    const m = /rgba?\(([^)]+)\)/.exec(c);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const over = (top, under) => ({ r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1 });
  const lum = ({ r, g, b }) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  // the rendered tree: a slotted element sits in its slot inside the shadow root (the export buttons in the card header)
  const parentOf = (el) => el.assignedSlot ?? el.parentElement ?? el.getRootNode()?.host ?? null;
  // the colour behind `el`: the first opaque-enough background up the tree (through shadow hosts), blended down
  const backdrop = (el) => {
    const layers = [];
    for (let n = parentOf(el); n; n = parentOf(n)) {
      const bg = parse(getComputedStyle(n).backgroundColor);
      if (bg && bg.a > 0) {
        layers.push(bg);
        if (bg.a >= 1) break;
      }
    }
    let colour = parse(getComputedStyle(document.body).backgroundColor) ?? { r: 255, g: 255, b: 255, a: 1 };
    if (colour.a < 1) colour = over(colour, { r: 255, g: 255, b: 255, a: 1 });
    for (const l of layers.reverse()) colour = over(l, colour);
    return colour;
  };
  const opacityOf = (el) => {
    let o = 1;
    for (let n = el; n; n = parentOf(n)) o *= Number(getComputedStyle(n).opacity);
    return o;
  };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const controls = [];
  for (const el of document.querySelectorAll('button, input, vscode-button, vscode-textfield, vscode-single-select, vscode-radio, vscode-checkbox')) {
    if (!visible(el)) continue;
    // a custom element is read through the part that paints it
    const inner = el.shadowRoot?.querySelector('.base, button, input, .select-face, .icon, .wrapper, .root') ?? el;
    controls.push({ el, inner, name: `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ')[0]}` : ''} "${(el.textContent || el.getAttribute('aria-label') || el.getAttribute('data-action') || '').trim().slice(0, 30)}"` });
  }
  const checked = [];
  const failures = [];
  for (const { el, inner, name } of controls) {
    const style = getComputedStyle(inner);
    const behind = backdrop(inner);
    const own = parse(style.backgroundColor);
    const face = own && own.a > 0 ? over(own, behind) : behind;
    const alpha = opacityOf(inner);
    const text = parse(style.color);
    const hasText = inner.tagName !== 'INPUT' || !['range', 'checkbox', 'radio'].includes(inner.type);
    if (text && hasText && (el.textContent?.trim() || inner.tagName === 'INPUT')) {
      const shown = over({ ...text, a: text.a * alpha }, face);
      const r = ratio(shown, face);
      checked.push({ name, kind: 'text', r });
      if (r < 3) failures.push(`${name}: text ${r.toFixed(2)}:1`);
    }
    // the control's boundary against what is around it: its border if drawn, else its own face
    const border = parse(style.borderTopColor);
    const width = parseFloat(style.borderTopWidth);
    const edge = border && border.a > 0 && width > 0 ? over({ ...border, a: border.a * alpha }, behind) : face;
    const r = ratio(edge, behind);
    checked.push({ name, kind: 'boundary', r });
    if (r < 3 && !(text && hasText && el.textContent?.trim() && ratio(over(text, face), behind) >= 3 && !(own && own.a > 0))) failures.push(`${name}: boundary ${r.toFixed(2)}:1`);
  }
  return { checked: checked.map((c) => ({ name: c.name, kind: c.kind, r: Math.round(c.r * 100) / 100 })), failures };
}

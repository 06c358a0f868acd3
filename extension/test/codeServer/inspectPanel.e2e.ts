import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { CLIP, CORRUPT_IMAGE, SCENES, writeSceneWorkspace } from '../../../server/test/tools/sceneWorkspace';
import { e2eSession } from './e2eSession';
import { inspectFromExplorer, runCommand, waitForThemeKind, webviewFrame } from './workbench';

/**
 * End to end, as a user: the packaged VSIX installed into a fresh code-server, the fixture
 * workspace open, right-click an image in the explorer, Inspect Spatial IDs, and check what the
 * panel shows. Screenshots (1280x800, light and dark) go to test-artifacts/. Each step depends
 * on the real server and webview: a missing server method fails the test that needs it.
 */
const LEFT_RIGHT = SCENES[0];
// The red circle sits in row 2, column 1, the blue square in row 3, column 3; cell 7 (row 2,
// column 4) is right of the square, so steering the circle there must flip "left" to "right".
const STEER_OBJECT = 'red circle';
const STEER_TARGET_CELL = 7;
const DERIVE_TIMEOUT_MS = 5 * 60_000;

let page: Page;
let panel: Frame;


async function ask(frame: Frame, question: string): Promise<string> {
  const field = frame.locator('vscode-textfield.question-field input');
  await field.fill(question);
  await field.press('Enter');
  const answer = frame.locator('[data-answer="current"]');
  await answer.waitFor({ timeout: 120_000 });
  return (await answer.textContent())?.trim() ?? '';
}

/** The panel's page must fit the panel: no horizontal scrollbar at 1280x800. */
async function assertNoHorizontalOverflow(frame: Frame): Promise<void> {
  // Page-side code as strings: this file is type-checked for Node, without DOM types.
  const { scroll, client } = (await frame.evaluate('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })')) as { scroll: number; client: number };
  assert.ok(scroll <= client + 1, `the panel overflows horizontally (${scroll} > ${client} px)`);
}

const session = e2eSession({
  tag: 'e2e',
  logs: 'e2e-logs',
  writeWorkspace: async (dir) => (await writeSceneWorkspace(dir, { corrupt: true }), dir),
  ready: (p) => {
    page = p;
  },
});
const { shot, step } = session;

step('right-click > Inspect Spatial IDs opens the panel, which answers the question', async () => {
  await inspectFromExplorer(page, LEFT_RIGHT.file);
  panel = await webviewFrame(page, '[data-view="question"]', { timeoutMs: 90_000 });
  const answer = await ask(panel, LEFT_RIGHT.question);
  assert.equal(answer, LEFT_RIGHT.answer, `the bundled model answers this training-distribution scene correctly`);
  await assertNoHorizontalOverflow(panel);
  await shot('inspect-answer-light');
});

step('after deriving the ID bank, the panel shows the heatmap of each object', async () => {
  await panel.locator('[data-action="derive"]').click();
  // Derivation runs in the server with a progress notification; the panel drops its Derive
  // button when the bank arrives, and reads where the objects are on the next run.
  await panel.locator('[data-action="derive"]').waitFor({ state: 'hidden', timeout: DERIVE_TIMEOUT_MS });
  await panel.locator('[data-action="run"]').click();
  const cell = panel.locator('.main-figure .heat-overlay rect.heat-cell[data-value]');
  await cell.first().waitFor({ timeout: 120_000 });
  assert.equal(await panel.locator('.main-figure .heat-overlay rect.heat-cell').count(), 16, 'one cell per 4x4 grid cell');
  await assertNoHorizontalOverflow(panel);
  await shot('inspect-heatmap-light');
});

step('a steering click runs the steering and its noise control and shows both answers', async () => {
  await panel.locator(`vscode-radio[data-object="${STEER_OBJECT}"]`).click();
  await panel.locator(`.main-figure .heat-overlay rect.heat-cell[data-cell="${STEER_TARGET_CELL}"]`).click();
  for (const which of ['before', 'after', 'noise']) {
    const answer = panel.locator(`[data-answer="${which}"]`);
    await answer.waitFor({ timeout: 120_000 });
    assert.ok(['left', 'right'].includes((await answer.textContent())?.trim() ?? ''), `the ${which} answer is shown`);
  }
  assert.equal((await panel.locator('[data-answer="before"]').textContent())?.trim(), LEFT_RIGHT.answer);
  await shot('inspect-steered-light');
});

step('the steering click flips the answer', async () => {
  assert.equal((await panel.locator('[data-answer="after"]').textContent())?.trim(), 'right', 'moving the red circle right of the blue square flips left -> right');
});

step('the panel follows the dark theme', async () => {
  await runCommand(page, 'Preferences: Toggle between Light/Dark Themes');
  await waitForThemeKind(page, 'vs-dark');
  await page.waitForTimeout(500); // the webview restyles from the theme variables it is sent
  const background = (await panel.evaluate('getComputedStyle(document.body).backgroundColor')) as string;
  const [r, g, b] = (background.match(/\d+/g) ?? ['255', '255', '255']).map(Number);
  assert.ok(r + g + b < 3 * 100, `the panel background follows the dark theme (got ${background})`);
  await shot('inspect-dark');
  await runCommand(page, 'Preferences: Toggle between Light/Dark Themes');
  await waitForThemeKind(page, 'vs');
});

step('a video opens with its frame strip', async () => {
  await inspectFromExplorer(page, CLIP.file);
  const video = await webviewFrame(page, '.frame-strip .frame-thumb', { timeoutMs: 90_000, exclude: [panel] });
  assert.equal(await video.locator('.frame-strip .frame-thumb').count(), 8, 'one thumbnail per model frame');
  await shot('inspect-video-light');
});

step('a corrupt image shows an error in the panel, not a crash', async () => {
  // the panels already open, taken before the click: the new panel's frame may exist by the time it returns
  const open = page.frames().filter((f) => f !== page.mainFrame());
  await inspectFromExplorer(page, CORRUPT_IMAGE);
  const frame = await webviewFrame(page, '[data-view="question"]', { timeoutMs: 90_000, exclude: open });
  const field = frame.locator('vscode-textfield.question-field input');
  await field.fill(LEFT_RIGHT.question);
  await field.press('Enter');
  const banner = frame.locator('[data-view="error"]:not([hidden])');
  await banner.waitFor({ timeout: 60_000 });
  assert.match((await banner.textContent()) ?? '', /corrupt\.png/);
  await shot('inspect-corrupt-error-light');
});

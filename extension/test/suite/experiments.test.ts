import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { storeExperiment } from '../../../protocol/experiment';
import type { OpenedExperiment } from '../../src/commands/experimentCommands';
import { extensionApi, fixture } from './extensionApi';

/**
 * The acceptance test's editor part: experiments saved by a panel, by a palette command (Export
 * Results...) and by the CLI are opened with Open Experiment... from a copy of their workspace at
 * another path, re-run to the same numbers. (The CLI re-running panel and palette files is in
 * server/src/cli/experimentReplay.test.ts.)
 */

const question = 'Is the red circle to the left or right of the blue square?';

/** A new workspace folder with a copy of the fixture image under images/ and an experiments/ folder. */
function workspaceCopy(): { root: string; image: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'experiment-ws-'));
  fs.mkdirSync(path.join(root, 'images'));
  fs.mkdirSync(path.join(root, 'experiments'));
  const image = path.join(root, 'images/left-right.png');
  fs.copyFileSync(fixture('left-right.png').fsPath, image);
  return { root, image };
}

/** The second checkout: the first workspace copied to another path, the first one removed. */
function moveTo(from: string): string {
  const to = fs.mkdtempSync(path.join(os.tmpdir(), 'experiment-other-checkout-'));
  fs.cpSync(from, to, { recursive: true });
  fs.rmSync(from, { recursive: true, force: true });
  return to;
}

/** Answers the editor's input box and save dialog as a person would, for the length of `run`. */
async function answering<T>(answers: { input?: string; saveTo?: vscode.Uri }, run: () => Thenable<T>): Promise<T> {
  const window = vscode.window as { -readonly [K in keyof typeof vscode.window]: (typeof vscode.window)[K] };
  const { showInputBox, showSaveDialog } = window;
  window.showInputBox = async () => answers.input;
  window.showSaveDialog = async () => answers.saveTo;
  try {
    return await run();
  } finally {
    window.showInputBox = showInputBox;
    window.showSaveDialog = showSaveDialog;
  }
}

describe('experiments', () => {
  it('a panel session saved in one workspace re-opens from another checkout path with the same numbers', async () => {
    const api = await extensionApi();
    const ws = workspaceCopy();
    const controller = api.newPanelController({ kind: 'image', path: ws.image, displayUri: 'https://test/x' }, async () => true);
    await controller.handle({ type: 'ready' });
    await controller.handle({ type: 'request', requestId: 1, body: { method: 'spatialIds/forward', params: { media: { image: ws.image }, question } } });
    await controller.handle({ type: 'request', requestId: 2, body: { method: 'spatialIds/probe', params: { media: { image: ws.image }, question } } });
    assert.deepEqual(controller.steps.map((s) => s.method), ['forward', 'probe']);
    const file = path.join(ws.root, 'experiments/left-right.experiment.json');
    const cache = path.resolve(api.context.banks.cache.root);
    const stored = storeExperiment(controller.experiment({ actions: [{ kind: 'run' }] }), path.dirname(file), {
      bundledModelDir: api.context.models.bundledModelDir,
      isDefaultBank: (b) => path.resolve(b).startsWith(cache + path.sep),
    });
    fs.writeFileSync(file, JSON.stringify(stored));
    controller.dispose();
    assert.doesNotMatch(JSON.stringify(stored), new RegExp(ws.root), 'the file holds no absolute path of the workspace');

    const other = moveTo(ws.root);
    const opened = (await vscode.commands.executeCommand('spatialIds.openExperiment', vscode.Uri.file(path.join(other, 'experiments/left-right.experiment.json')))) as OpenedExperiment | undefined;
    assert.ok(opened, 'the command returns the re-run experiment');
    assert.equal(opened.steps.length, 2);
    assert.deepEqual(opened.differing, [], 'every step re-runs to the saved numbers');
    assert.deepEqual((opened.steps[0].params.media as { image: string }).image, path.join(other, 'images/left-right.png'), 'paths resolve in the other checkout');
    assert.ok(api.panels().some((p) => p.target.uri.fsPath === path.join(other, 'images/left-right.png')), 'the panel is open on the moved image');
    api.panels().forEach((p) => p.dispose());
  });

  it('a CLI experiment with its results re-runs from another checkout path to the same numbers; a changed number is named', async () => {
    const api = await extensionApi();
    const ws = workspaceCopy();
    const model = await api.context.models.ensureLoaded();
    const params = { media: { image: ws.image }, question };
    const result = await api.context.models.request(api.protocol.probeRequest, params);
    const file = path.join(ws.root, 'experiments/probe.results.json');
    // as `spatial-id-lens probe --results` writes it: the model by name when bundled, paths relative to the file
    const stored = storeExperiment({ model: { dir: model.dir, decoderHash: model.decoderHash }, steps: [{ method: 'probe', params, result }] }, path.dirname(file), { bundledModelDir: api.context.models.bundledModelDir });
    fs.writeFileSync(file, JSON.stringify(stored));
    const other = moveTo(ws.root);
    const moved = path.join(other, 'experiments/probe.results.json');
    const opened = (await vscode.commands.executeCommand('spatialIds.openExperiment', vscode.Uri.file(moved))) as OpenedExperiment | undefined;
    assert.ok(opened);
    assert.deepEqual(opened.differing, []);

    const tampered = structuredClone(stored);
    (tampered.steps[0].result as { objects: { similarity: number[][] }[] }).objects[0].similarity[1][0] += 0.05;
    fs.writeFileSync(moved, JSON.stringify(tampered));
    const again = (await vscode.commands.executeCommand('spatialIds.openExperiment', vscode.Uri.file(moved))) as OpenedExperiment | undefined;
    assert.deepEqual(again?.differing, [1], 'the changed step is named');
  });

  it('a palette command exported with Export Results... re-opens from another checkout path with the same numbers', async () => {
    const api = await extensionApi();
    const ws = workspaceCopy();
    const swept = await answering({ input: question }, () => vscode.commands.executeCommand('spatialIds.sweepPatches', vscode.Uri.file(ws.image)));
    assert.ok(swept, 'the sweep ran on the image');
    const file = vscode.Uri.file(path.join(ws.root, 'experiments/palette.results.json'));
    const saved = await answering({ saveTo: file }, () => vscode.commands.executeCommand<vscode.Uri | undefined>('spatialIds.exportResults'));
    assert.equal(saved?.fsPath, file.fsPath);
    const stored = JSON.parse(fs.readFileSync(file.fsPath, 'utf8')) as { steps: { method: string }[] };
    assert.equal(stored.steps.at(-1)?.method, 'sweepPatches');
    assert.doesNotMatch(JSON.stringify(stored), new RegExp(ws.root), 'the file holds no absolute path of the workspace');

    const other = moveTo(ws.root);
    const opened = (await vscode.commands.executeCommand('spatialIds.openExperiment', vscode.Uri.file(path.join(other, 'experiments/palette.results.json')))) as OpenedExperiment | undefined;
    assert.ok(opened);
    const sweep = opened.steps[opened.steps.length - 1];
    assert.equal((sweep.params.media as { image: string }).image, path.join(other, 'images/left-right.png'), 'paths resolve in the other checkout');
    assert.deepEqual(opened.differing, [], 'every step re-runs to the saved numbers');
    void api;
  });
});

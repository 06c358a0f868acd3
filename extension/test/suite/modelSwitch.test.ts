import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { storeExperiment } from '../../../protocol/experiment';
import type { OpenedExperiment } from '../../src/commands/experimentCommands';
import type { HostToWebview, InitBody } from '../../../protocol/webview';
import type { InspectorPanel } from '../../src/panel/inspectorPanel';
import { controlModelDir } from '../../src/server/shippedModels';
import { extensionApi, fixture } from './extensionApi';

const QUESTION = 'Is the red circle to the left or right of the blue square?';

/**
 * Select Model... with a panel open (issue 18 item 7): the panel drops the old model's bank and
 * steps and gets a fresh init on the new model, and records a new experiment on it. Select
 * Model offers the random-init control. An experiment opens in a panel of its own.
 */
describe('model switch with a panel open', () => {
  afterEach(async () => {
    const api = await extensionApi();
    api.panels().forEach((p) => p.dispose());
    await api.context.models.select(api.context.models.bundledModelDir);
  });

  it('re-inits the panel on the random-init control: its name, no old bank, no old steps', async () => {
    const api = await extensionApi();
    const image = fixture('left-right.png').fsPath;
    const posted: HostToWebview[] = [];
    const controller = api.newPanelController({ kind: 'image', path: image, displayUri: 'https://test/x' }, async (m) => (posted.push(m), true));
    await controller.handle({ type: 'ready' });
    await controller.handle({ type: 'request', requestId: 1, body: { method: 'spatialIds/forward', params: { media: { image }, question: QUESTION } } });
    assert.equal(controller.steps.length, 1);
    const before = posted.filter((m) => m.type === 'init').length;

    const control = controlModelDir(api.context.models.bundledModelDir);
    await api.context.models.select(control);
    await new Promise((r) => setTimeout(r, 500));
    const inits = posted.filter((m): m is { type: 'init'; body: InitBody } => m.type === 'init');
    assert.equal(inits.length, before + 1, 'a fresh init after the switch');
    const init = inits.at(-1)!.body;
    assert.equal(init.model?.dir, control);
    assert.notEqual(init.bank?.decoderHash, inits[0].body.model?.decoderHash, "the trained model's bank is not the control's");
    assert.equal(controller.steps.length, 0, 'the old model’s steps are dropped');

    // the panel asks on, on the new model, recording a new experiment
    await controller.handle({ type: 'request', requestId: 2, body: { method: 'spatialIds/forward', params: { media: { image }, question: QUESTION } } });
    const reply = posted.find((m) => (m.type === 'response' || m.type === 'error') && m.requestId === 2);
    assert.equal(reply?.type, 'response', JSON.stringify(reply));
    assert.equal(controller.experiment().model.dir, control);
    assert.equal(controller.steps.length, 1);
    controller.dispose();
  });

  it('Select Model offers the random-init control, labelled as the control', async () => {
    const api = await extensionApi();
    const window = vscode.window as { -readonly [K in keyof typeof vscode.window]: (typeof vscode.window)[K] };
    const { showQuickPick } = window;
    let offered: readonly vscode.QuickPickItem[] = [];
    window.showQuickPick = (async (items: readonly vscode.QuickPickItem[]) => ((offered = await items), undefined)) as unknown as typeof window.showQuickPick;
    try {
      await vscode.commands.executeCommand('spatialIds.selectModel');
    } finally {
      window.showQuickPick = showQuickPick;
    }
    const control = offered.find((i) => i.label === 'tiny-spatial-vlm-random-init');
    assert.ok(control, offered.map((i) => i.label).join(', '));
    assert.match(control.description ?? '', /control: random init/);
    void api;
  });

  it('an experiment opens in a new panel beside the open one, which stays', async () => {
    const api = await extensionApi();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'experiment-panel-'));
    const image = path.join(root, 'left-right.png');
    fs.copyFileSync(fixture('left-right.png').fsPath, image);
    const controller = api.newPanelController({ kind: 'image', path: image, displayUri: 'https://test/x' }, async () => true);
    await controller.handle({ type: 'ready' });
    await controller.handle({ type: 'request', requestId: 1, body: { method: 'spatialIds/forward', params: { media: { image }, question: QUESTION } } });
    const file = path.join(root, 'left-right.experiment.json');
    fs.writeFileSync(file, JSON.stringify(storeExperiment(controller.experiment({ actions: [{ kind: 'run' }] }), root, { bundledModelDir: api.context.models.bundledModelDir })));
    controller.dispose();

    const first = (await vscode.commands.executeCommand('spatialIds.inspect', vscode.Uri.file(image))) as InspectorPanel;
    const opened = (await vscode.commands.executeCommand('spatialIds.openExperiment', vscode.Uri.file(file))) as OpenedExperiment | undefined;
    assert.ok(opened);
    const panels = api.panels().filter((p) => p.target.uri.fsPath === image);
    assert.equal(panels.length, 2, 'the experiment has a panel of its own');
    assert.ok(panels.includes(first), 'the open panel is not replaced');
    assert.match(panels.find((p) => p !== first)?.panel.title ?? '', /left-right\.experiment\.json/);
  });
});

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentFile } from '../../../protocol/webview';
import { extensionApi, fixture } from './extensionApi';

describe('experiments', () => {
  it('Open Experiment re-runs the recorded actions to the same results and opens the panel', async () => {
    const api = await extensionApi();
    const image = fixture('left-right.png').fsPath;
    const controller = api.newPanelController({ kind: 'image', path: image, displayUri: 'https://test/x' }, async () => true);
    await controller.handle({ type: 'ready' });
    await controller.handle({ type: 'request', requestId: 1, body: { method: 'spatialIds/forward', params: { media: { image }, question: 'Is the red circle to the left or right of the blue square?' } } });
    assert.equal(controller.experiment.actions.length, 1);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'experiment-')), 'left-right.experiment.json');
    fs.writeFileSync(file, JSON.stringify(controller.experiment));
    controller.dispose();

    const replayed = (await vscode.commands.executeCommand('spatialIds.openExperiment', vscode.Uri.file(file))) as ExperimentFile | undefined;
    assert.ok(replayed, 'the command returns the re-run experiment');
    assert.equal(replayed.actions.length, 1);
    assert.deepEqual(replayed.actions[0].result, replayed.actions[0].savedResult, 'a forward pass re-runs to the same numbers');
    assert.ok(api.panels().some((p) => p.target.uri.fsPath === image), 'the panel is open on the experiment image');
    api.panels().forEach((p) => p.dispose());
  });

  it('Open Experiment re-runs a command-line experiment and compares it with its saved results', async () => {
    const api = await extensionApi();
    const image = fixture('left-right.png').fsPath;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-experiment-'));
    const experiment = { format: 'spatial-id-lens/experiment@1', command: 'probe', model: api.context.models.modelDir, params: { media: { image }, question: 'Is the red circle to the left or right of the blue square?' } };
    const bare = path.join(dir, 'probe.experiment.json');
    fs.writeFileSync(bare, JSON.stringify(experiment));
    const first = (await vscode.commands.executeCommand('spatialIds.openExperiment', vscode.Uri.file(bare))) as { objects?: unknown[] } | undefined;
    assert.ok(first?.objects?.length, 'the probe re-runs and returns where each object is');
    const withResults = path.join(dir, 'probe.results.json');
    fs.writeFileSync(withResults, JSON.stringify({ experiment, results: first }));
    const again = await vscode.commands.executeCommand('spatialIds.openExperiment', vscode.Uri.file(withResults));
    assert.deepEqual(again, first, 'the same experiment re-runs to the same numbers');
  });
});

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { HostToWebview, InitBody } from '../../../protocol/webview';
import type { InspectorPanel } from '../../src/panel/inspectorPanel';
import { extensionApi, fixture } from './extensionApi';

const QUESTION = 'Is the red circle to the left or right of the blue square?';

/** A controller whose messages to the webview are collected instead of posted. */
async function controllerFor(file: string, kind: 'image' | 'video' = 'image') {
  const api = await extensionApi();
  const posted: HostToWebview[] = [];
  const controller = api.newPanelController({ kind, path: fixture(file).fsPath, displayUri: 'https://test/x' }, async (m) => (posted.push(m), true));
  return { controller, posted };
}

describe('inspector panel', () => {
  afterEach(async () => (await extensionApi()).panels().forEach((p) => p.dispose()));

  it('Inspect Spatial IDs on an image opens a panel for it', async () => {
    const uri = fixture('left-right.png');
    const panel = (await vscode.commands.executeCommand('spatialIds.inspect', uri)) as InspectorPanel | undefined;
    assert.ok(panel, 'the command returns the panel');
    assert.equal(panel.target.uri.fsPath, uri.fsPath);
    assert.equal(panel.panel.title, 'Spatial IDs: left-right.png');
    const html = panel.panel.webview.html;
    assert.match(html, /script-src 'nonce-[A-Za-z0-9]+'/);
    assert.match(html, /dist\/webview\.js/);
    const again = await vscode.commands.executeCommand('spatialIds.inspect', uri);
    assert.equal(again, panel, 'the same file reuses its panel');
  });

  it('answers ready with init: media, model, templates, settings', async () => {
    const { controller, posted } = await controllerFor('left-right.png');
    await controller.handle({ type: 'ready' });
    const init = posted.find((m) => m.type === 'init')?.body as InitBody;
    assert.ok(init, 'init posted');
    assert.equal(init.media.kind, 'image');
    assert.equal(init.model?.numLayers, 6);
    // what can be asked comes with the model (its templates carry their relation), not as fields of its own
    assert.ok(init.model?.vocabulary.questionTemplates.image.some((t) => t.relation === 'leftRight' && t.text.includes('{a}') && t.text.includes('{b}')));
    assert.ok(init.model?.vocabulary.objectWords?.includes('red circle'));
    assert.ok(!('questionTemplates' in init) && !('objectWords' in init));
    assert.deepEqual(posted.at(-1), { type: 'serverState', body: { state: 'running' } });
    controller.dispose();
  });

  it('forwards a forward request and records it in the experiment', async () => {
    const { controller, posted } = await controllerFor('left-right.png');
    await controller.handle({ type: 'request', requestId: 7, body: { method: 'spatialIds/forward', params: { media: { image: fixture('left-right.png').fsPath }, question: QUESTION } } });
    const reply = posted.find((m) => m.type === 'response' || m.type === 'error');
    assert.equal(reply?.type, 'response', JSON.stringify(reply));
    assert.equal(reply.requestId, 7);
    assert.equal(controller.steps.length, 1);
    assert.equal(controller.steps[0].method, 'forward');
    controller.dispose();
  });

  it('refuses methods and files outside the panel, with the request id', async () => {
    const { controller, posted } = await controllerFor('left-right.png');
    await controller.handle({ type: 'request', requestId: 1, body: { method: 'spatialIds/loadModel', params: { dir: '/' } } });
    await controller.handle({ type: 'request', requestId: 2, body: { method: 'spatialIds/forward', params: { media: { image: '/etc/hostname' }, question: QUESTION } } });
    assert.deepEqual(posted.map((m) => [m.type, 'requestId' in m ? m.requestId : null]), [['error', 1], ['error', 2]]);
    assert.equal(controller.steps.length, 0);
    controller.dispose();
  });

  it('a corrupt image gives an error reply, not a crash', async () => {
    const { controller, posted } = await controllerFor('corrupt.png');
    await controller.handle({ type: 'request', requestId: 3, body: { method: 'spatialIds/forward', params: { media: { image: fixture('corrupt.png').fsPath }, question: QUESTION } } });
    const reply = posted.find((m) => m.type === 'error');
    assert.ok(reply && reply.type === 'error', JSON.stringify(posted));
    assert.equal(reply.body.retryable, false);
    assert.match(reply.body.message, /corrupt\.png/);
    const api = await extensionApi();
    assert.equal(api.context.server.state.state, 'running', 'the server survives');
    controller.dispose();
  });

  it('the server dying mid-request gives the panel a retryable error, and the server comes back', async () => {
    const api = await extensionApi();
    const { server } = api.context;
    const { controller, posted } = await controllerFor('left-right.png');
    await api.context.models.ensureLoaded();
    const generation = server.generation;
    const pid = server.pid;
    assert.ok(pid);
    // A batch sweep takes seconds: long enough to be killed while it runs.
    const pending = controller.handle({ type: 'request', requestId: 9, body: { method: 'spatialIds/sweepPatches', params: { batch: 64 } } });
    await new Promise((r) => setTimeout(r, 300));
    process.kill(pid, 'SIGKILL');
    await pending;
    const reply = posted.find((m) => m.type === 'error' || m.type === 'response');
    assert.ok(reply?.type === 'error', `expected an error, got ${JSON.stringify(reply)?.slice(0, 300)}`);
    assert.equal(reply.body.retryable, true, reply.body.message);
    const end = Date.now() + 60_000;
    while (!(server.generation > generation && server.state.state === 'running') && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    assert.equal(server.state.state, 'running', 'restarted automatically');
    posted.length = 0;
    await controller.handle({ type: 'retry' });
    assert.equal(posted[0]?.type, 'init', 'retry re-initialises the panel');
    controller.dispose();
  });
});

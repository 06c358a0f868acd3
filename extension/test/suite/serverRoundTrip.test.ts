import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { extensionApi, fixture } from './extensionApi';

const QUESTION = 'Is the red circle to the left or right of the blue square?';

async function waitFor(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('inference server round trip', () => {
  it('starts the server, loads the bundled model and reports it', async () => {
    const api = await extensionApi();
    const info = await api.context.models.ensureLoaded();
    assert.equal(api.context.server.state.state, 'running');
    assert.equal(info.numLayers, 6);
    assert.equal(info.imageTokens, 16);
    assert.match(info.decoderHash, /^[0-9a-f]{64}$/);
    const reported = await api.context.server.request0(api.protocol.modelInfoRequest);
    assert.equal(reported?.decoderHash, info.decoderHash);
  });

  it('answers a question about a scene image with log-probabilities and hidden states', async () => {
    const api = await extensionApi();
    const result = await api.context.models.request(api.protocol.forwardRequest, {
      media: { image: fixture('left-right.png').fsPath },
      question: QUESTION,
      capture: { layers: [0, 3], positions: 'media' },
    });
    assert.ok(['left', 'right'].includes(result.answer.trim()), `answer ${JSON.stringify(result.answer)}`);
    assert.deepEqual(Object.keys(result.logprobs).sort(), ['left', 'right']);
    assert.equal(result.tokens.filter((t) => t.kind === 'image').length, 16);
    assert.equal(Object.keys(result.hidden['3'] ?? {}).length, 16, 'layer 3 captured at the 16 image positions');
  });

  it('restarts after the server process dies and the next request succeeds', async () => {
    const api = await extensionApi();
    const { server, models } = api.context;
    await models.ensureLoaded();
    const generation = server.generation;
    const pid = server.pid;
    assert.ok(pid, 'server pid');
    process.kill(pid, 'SIGKILL');
    await waitFor(() => server.generation > generation && server.state.state === 'running', 'the automatic restart');
    const result = await models.request(api.protocol.forwardRequest, { media: { image: fixture('left-right.png').fsPath }, question: QUESTION });
    assert.ok(result.answer.length > 0);
  });

  it('Restart Inference Server gives a fresh process with the model loaded again', async () => {
    const api = await extensionApi();
    const before = api.context.server.pid;
    await vscode.commands.executeCommand('spatialIds.restartServer');
    assert.notEqual(api.context.server.pid, before);
    assert.equal(api.context.server.state.state, 'running');
    assert.ok(api.context.models.model);
  });
});

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/commands/commandIds';
import { RESTRICTED_SETTINGS, SETTINGS_SECTION } from '../../src/config/settings';
import { EXTENSION_ID, extensionApi } from './extensionApi';

describe('activation', () => {
  it('activates and returns its API', async () => {
    const api = await extensionApi();
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
    assert.equal(api.context.models.modelName, 'tiny-spatial-vlm');
  });

  it('registers every command it contributes', async () => {
    await extensionApi();
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = (vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    assert.deepEqual([...contributed].sort(), Object.values(COMMANDS).sort(), 'package.json and commandIds.ts list the same commands');
    for (const id of contributed) assert.ok(registered.has(id), `${id} is not registered`);
  });

  it('declares the settings an untrusted workspace may not set', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON;
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.deepEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, RESTRICTED_SETTINGS.map((k) => `${SETTINGS_SECTION}.${k}`));
    assert.deepEqual(pkg.extensionKind, ['workspace']);
  });

  it('does not start the server until something needs it', async () => {
    const api = await extensionApi();
    // Activation happened above; only later tests send requests.
    assert.ok(['stopped', 'running', 'starting'].includes(api.context.server.state.state));
  });
});

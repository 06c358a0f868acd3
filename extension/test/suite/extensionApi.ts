import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SpatialIdsApi } from '../../src/extension';

export const EXTENSION_ID = 'spatial-id-lens.spatial-id-lens';

/** The activated extension's API (activate returns it for tests). */
export async function extensionApi(): Promise<SpatialIdsApi> {
  const ext = vscode.extensions.getExtension<SpatialIdsApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this editor`);
  return ext.isActive ? ext.exports : ext.activate();
}

/** A file of the fixture workspace (server/test/tools/sceneWorkspace.ts wrote it). */
export function fixture(name: string): vscode.Uri {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(root, 'the tests need the fixture workspace open');
  return vscode.Uri.file(path.join(root, name));
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { gifFrameCount } from './gifFrames';
import { inspectableGlob, inspectableKind, type InspectableKind } from './mediaExtensions';

export interface MediaTarget {
  uri: vscode.Uri;
  kind: InspectableKind;
}

function asTarget(uri: vscode.Uri | undefined, kinds: readonly InspectableKind[]): MediaTarget | undefined {
  if (!uri || uri.scheme !== 'file') return undefined;
  let kind = inspectableKind(uri.fsPath);
  // an animated GIF is a clip: the model reads its frames as a video, not its first frame alone
  if (kind === 'image' && kinds.includes('video') && /\.gif$/i.test(uri.fsPath) && animated(uri.fsPath)) kind = 'video';
  return kind && kinds.includes(kind) ? { uri, kind } : undefined;
}

function animated(file: string): boolean {
  try {
    return gifFrameCount(fs.readFileSync(file), 2) > 1;
  } catch {
    return false; // unreadable: the server names the problem when it opens the file
  }
}

/** The file of the active editor tab: a preview (custom editor) or a text editor. */
function activeTabUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) return input.uri;
  return undefined;
}

/**
 * The image or video a command works on: the one it was invoked on (explorer or editor title
 * menu), else the active preview, else one the user picks from the workspace (or browses to).
 */
export async function resolveMediaTarget(arg: unknown, kinds: readonly InspectableKind[] = ['image', 'video']): Promise<MediaTarget | undefined> {
  const fromArg = asTarget(arg instanceof vscode.Uri ? arg : undefined, kinds);
  if (fromArg) return fromArg;
  const fromTab = asTarget(activeTabUri(), kinds);
  if (fromTab) return fromTab;
  return pickMedia(kinds);
}

async function pickMedia(kinds: readonly InspectableKind[]): Promise<MediaTarget | undefined> {
  const files = await vscode.workspace.findFiles(inspectableGlob(kinds), '**/node_modules/**', 500);
  files.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  type Item = vscode.QuickPickItem & { uri?: vscode.Uri };
  const browse: Item = { label: '$(folder-opened) Browse...' };
  const items: Item[] = files.map((uri) => ({
    label: path.basename(uri.fsPath),
    description: vscode.workspace.asRelativePath(path.dirname(uri.fsPath)),
    uri,
  }));
  const pick = await vscode.window.showQuickPick([...items, browse], {
    title: `Spatial IDs: choose ${kinds.length === 1 ? `an ${kinds[0]}` : 'an image or a video'}`,
    matchOnDescription: true,
  });
  if (!pick) return undefined;
  if (pick.uri) return asTarget(pick.uri, kinds);
  const chosen = await vscode.window.showOpenDialog({
    canSelectMany: false,
    filters: { Media: inspectableGlob(kinds).replace(/^\*\*\/\*\.\{|\}$/g, '').split(',') },
  });
  return asTarget(chosen?.[0], kinds);
}

import * as path from 'node:path';
import * as vscode from 'vscode';

/**
 * Writing files the user asked for, always through a save dialog: VS Code's dialog asks before
 * replacing an existing file, so nothing of the user's is overwritten silently.
 */
export async function saveWithDialog(suggested: vscode.Uri, data: Uint8Array, title: string, filters?: Record<string, string[]>): Promise<vscode.Uri | undefined> {
  const target = await vscode.window.showSaveDialog({ defaultUri: suggested, title, filters });
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, data);
  void vscode.window.showInformationMessage(`Spatial IDs: saved ${path.basename(target.fsPath)}.`);
  return target;
}

/** `value` may depend on where the file goes (experiments store paths relative to their folder); `describe` says what the saved file holds. */
export async function saveJsonWithDialog<T>(suggested: vscode.Uri, value: T | ((target: vscode.Uri) => T), title: string, describe?: (saved: T) => string): Promise<vscode.Uri | undefined> {
  const target = await vscode.window.showSaveDialog({ defaultUri: suggested, title, filters: { JSON: ['json'] } });
  if (!target) return undefined;
  const json = typeof value === 'function' ? (value as (t: vscode.Uri) => T)(target) : value;
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(`${JSON.stringify(json, null, 2)}\n`));
  void vscode.window.showInformationMessage(`Spatial IDs: saved ${path.basename(target.fsPath)}${describe ? `: ${describe(json)}` : ''}.`);
  return target;
}

/** A folder to suggest for saving: the first workspace folder, else the given file's folder. */
export function suggestedFolder(near?: string): vscode.Uri {
  const ws = vscode.workspace.workspaceFolders?.[0]?.uri;
  return ws ?? vscode.Uri.file(near ? path.dirname(near) : process.cwd());
}

import * as vscode from 'vscode';
import type { ServerProgress } from '../server/inferenceServer';
import { isCancellation } from '../../../protocol/errors';

/**
 * Whether a failure of long work is the user's Cancel: the server answered RequestCancelled, the
 * client gave up with VS Code's CancellationError ("Canceled"), or the token was cancelled and the
 * work then failed another way (the server stopped mid-request, a file half written). All of these
 * are reported as cancelled, never as an error.
 */
export function cancelledBy(error: unknown, token: { isCancellationRequested: boolean } | undefined): boolean {
  if (token?.isCancellationRequested) return true;
  if (isCancellation(error)) return true;
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'Canceled';
}

/** "patching: 240/4200" (the server's progressReporter) as "patching 240 of 4200", the panel's wording. */
export function progressMessage(message: string | undefined): string | undefined {
  if (!message) return message;
  const counted = /^(.*?):?\s*(\d+)\s*\/\s*(\d+)$/.exec(message.trim());
  return counted ? `${counted[1]} ${counted[2]} of ${counted[3]}`.trim() : message;
}

/**
 * Long work (ID derivation, batch steering, sweeps) in a cancellable progress notification. The
 * notification's token is passed to the LanguageClient request, which sends $/cancelRequest to
 * the server; the server's $/progress reports (see requestWithProgress) fill the notification.
 * Resolves to undefined when cancelled, with a passing status-bar note (no toast, no dialog);
 * other failures are shown once and rethrown.
 */
export async function runWithProgress<T>(title: string, work: (token: vscode.CancellationToken, report: (p: ServerProgress) => void) => Promise<T>): Promise<T | undefined> {
  let token: vscode.CancellationToken | undefined;
  try {
    return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, t) => {
      token = t;
      // The server reports percentages; the notification takes increments.
      let done = 0;
      const report = ({ message, percentage }: ServerProgress) => {
        const increment = percentage !== undefined ? Math.max(0, percentage - done) : undefined;
        if (percentage !== undefined) done = Math.max(done, percentage);
        const text = progressMessage(message);
        progress.report({ ...(text ? { message: text } : {}), ...(increment ? { increment } : {}) });
      };
      return work(t, report);
    });
  } catch (e) {
    if (cancelledBy(e, token)) {
      vscode.window.setStatusBarMessage(`Spatial IDs: ${title}: cancelled.`, 5000);
      return undefined;
    }
    void vscode.window.showErrorMessage(`Spatial IDs: ${title} failed: ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  }
}

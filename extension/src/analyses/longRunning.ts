import * as vscode from 'vscode';
import type { ServerProgress } from '../server/inferenceServer';
import { isCancellation } from '../../../protocol/errors';

/**
 * Long work (ID derivation, batch steering, sweeps) in a cancellable progress notification. The
 * notification's token is passed to the LanguageClient request, which sends $/cancelRequest to
 * the server; the server's $/progress reports (see requestWithProgress) fill the notification. Resolves to undefined when cancelled; other failures are shown and rethrown.
 */
export async function runWithProgress<T>(title: string, work: (token: vscode.CancellationToken, report: (p: ServerProgress) => void) => Promise<T>): Promise<T | undefined> {
  try {
    return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      // The server reports percentages; the notification takes increments.
      let done = 0;
      const report = ({ message, percentage }: ServerProgress) => {
        const increment = percentage !== undefined ? Math.max(0, percentage - done) : undefined;
        if (percentage !== undefined) done = Math.max(done, percentage);
        progress.report({ ...(message ? { message } : {}), ...(increment ? { increment } : {}) });
      };
      return work(token, report);
    });
  } catch (e) {
    if (isCancellation(e)) {
      void vscode.window.showInformationMessage(`Spatial IDs: ${title} cancelled.`);
      return undefined;
    }
    void vscode.window.showErrorMessage(`Spatial IDs: ${title} failed: ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  }
}

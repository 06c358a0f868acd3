import type { CancellationToken } from 'vscode-languageserver';
import { CancelledError } from '../run/cancellation';

/** Thrown for work cancelled before or while it ran (the one cancellation error of the server). */
export { CancelledError };

/**
 * Runs tasks one at a time, in the order they were queued: one model runner serves one request
 * at a time (its sessions and its interventions' state are not shared between runs). A task
 * cancelled while it waits is dropped at once and never started.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>, token?: CancellationToken): Promise<T> {
    let cancelledWhileWaiting: (() => void) | undefined;
    const turn = this.tail.then(() => {
      cancelledWhileWaiting = undefined;
      if (token?.isCancellationRequested) throw new CancelledError();
      return task();
    });
    // The next task waits for this one to settle, whatever its outcome.
    this.tail = turn.catch(() => undefined);
    if (!token) return turn;
    return new Promise<T>((resolve, reject) => {
      const sub = token.onCancellationRequested(() => cancelledWhileWaiting?.());
      cancelledWhileWaiting = () => reject(new CancelledError());
      turn.then(resolve, reject).finally(() => sub.dispose());
    });
  }
}

import assert from 'node:assert/strict';
import Module from 'node:module';
import { describe, it } from 'node:test';

/**
 * runWithProgress against a stand-in for the `vscode` module (the notification API only): a
 * cancelled derivation or sweep ends in a passing status-bar note, never an error toast, whatever
 * shape the cancellation arrives in; a real failure is shown once and rethrown.
 */

type Shown = { kind: 'error' | 'info' | 'status'; text: string };
const shown: Shown[] = [];
const reports: { message?: string; increment?: number }[] = [];
let cancelNow = false;

const fakeVscode = {
  ProgressLocation: { Notification: 15 },
  window: {
    withProgress: async (_o: unknown, task: (p: { report: (r: { message?: string; increment?: number }) => void }, t: { isCancellationRequested: boolean }) => Promise<unknown>) =>
      task({ report: (r) => reports.push(r) }, { get isCancellationRequested() { return cancelNow; } }),
    showErrorMessage: async (text: string) => void shown.push({ kind: 'error', text }),
    showInformationMessage: async (text: string) => void shown.push({ kind: 'info', text }),
    setStatusBarMessage: (text: string) => {
      shown.push({ kind: 'status', text });
      return { dispose() {} };
    },
  },
};

// longRunning imports 'vscode', which exists only inside the editor: serve the stand-in instead
const load = (Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load;
(Module as unknown as { _load: unknown })._load = (request: string, ...rest: unknown[]) => (request === 'vscode' ? fakeVscode : load(request, ...rest));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runWithProgress, cancelledBy, progressMessage } = require('./longRunning') as typeof import('./longRunning');

const reset = () => {
  shown.length = 0;
  reports.length = 0;
  cancelNow = false;
};

describe('long work in a progress notification', () => {
  it('reports the server’s progress as "n of N" with increments', async () => {
    reset();
    const result = await runWithProgress('Mirror patching sweep', async (_t, report) => {
      report({ message: 'patching: 100/400', percentage: 25 });
      report({ message: 'patching: 300/400', percentage: 75 });
      return 42;
    });
    assert.equal(result, 42);
    assert.deepEqual(reports, [
      { message: 'patching 100 of 400', increment: 25 },
      { message: 'patching 300 of 400', increment: 50 },
    ]);
    assert.deepEqual(shown, []);
  });

  for (const [name, error] of [
    ['RequestCancelled from the server', { code: -32800, message: 'Request cancelled' }],
    ["the client's CancellationError", Object.assign(new Error('Canceled'), { name: 'Canceled' })],
    ['another failure after the user cancelled', { code: -32097, message: 'Pending response rejected since connection got disposed' }],
  ] as const) {
    it(`a cancel (${name}) is a status-bar note, not an error`, async () => {
      reset();
      const result = await runWithProgress('Deriving spatial IDs', async () => {
        cancelNow = name.startsWith('another');
        throw error;
      });
      assert.equal(result, undefined);
      assert.deepEqual(shown, [{ kind: 'status', text: 'Spatial IDs: Deriving spatial IDs: cancelled.' }]);
    });
  }

  it('a real failure is shown once and rethrown', async () => {
    reset();
    await assert.rejects(runWithProgress('Steering 20 scenes', async () => Promise.reject(Object.assign(new Error('No ID bank'), { code: -32015 }))), /No ID bank/);
    assert.deepEqual(shown, [{ kind: 'error', text: 'Spatial IDs: Steering 20 scenes failed: No ID bank' }]);
  });

  it('names cancellations and progress the same way on every path', () => {
    assert.equal(cancelledBy({ code: -32800 }, undefined), true);
    assert.equal(cancelledBy({ code: -32013 }, { isCancellationRequested: false }), false);
    assert.equal(cancelledBy(new Error('x'), { isCancellationRequested: true }), true);
    assert.equal(progressMessage('steering: 3/20'), 'steering 3 of 20');
    assert.equal(progressMessage('Loaded /models/x'), 'Loaded /models/x');
    assert.equal(progressMessage(undefined), undefined);
  });
});

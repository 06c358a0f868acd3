import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { CONNECTION_ERROR_CODES, ErrorCodes, REQUEST_CANCELLED, badRequest, isCancellation, toPanelError } from './errors';

test('a server crash mid-request is retryable and says so', () => {
  const e = toPanelError({ code: CONNECTION_ERROR_CODES.pendingResponseRejected, message: 'Pending response rejected since connection got disposed' });
  assert.equal(e.retryable, true);
  assert.match(e.message, /stopped while working/);
});

test("the server's own refusals are shown as they are, not retryable", () => {
  const e = toPanelError({ code: ErrorCodes.badMedia, message: 'Cannot read the image x.png: corrupt PNG.' });
  assert.deepEqual(e, { code: ErrorCodes.badMedia, message: 'Cannot read the image x.png: corrupt PNG.', retryable: false });
});

test('client-side plain errors (could not start) are retryable', () => {
  assert.equal(toPanelError(new Error('spawn failed')).retryable, true);
});

test('cancellation is recognised on both sides: the RequestCancelled answer, the server\'s CancelledError, an aborted signal', () => {
  assert.equal(isCancellation({ code: REQUEST_CANCELLED }), true);
  const cancelled = Object.assign(new Error('The request was cancelled.'), { name: 'CancelledError' });
  assert.equal(isCancellation(cancelled), true);
  const controller = new AbortController();
  controller.abort();
  assert.equal(isCancellation(controller.signal.reason), true, 'an AbortSignal aborted without a reason gives an AbortError');
  assert.equal(isCancellation(new Error('x')), false);
  assert.equal(isCancellation(badRequest('batch must be ...')), false);
  assert.equal(isCancellation('cancelled'), false);
  assert.equal(isCancellation(null), false);
  assert.equal(toPanelError({ code: REQUEST_CANCELLED, message: 'Request cancelled' }).message, 'Cancelled.');
});

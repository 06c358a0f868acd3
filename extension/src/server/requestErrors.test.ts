import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { ErrorCodes } from '../../../protocol/errors';
import { CONNECTION_ERROR_CODES, isCancellation, REQUEST_CANCELLED, toPanelError } from './requestErrors';

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

test('cancellation is recognised', () => {
  assert.equal(isCancellation({ code: REQUEST_CANCELLED }), true);
  assert.equal(isCancellation(new Error('x')), false);
  assert.equal(toPanelError({ code: REQUEST_CANCELLED, message: 'Request cancelled' }).message, 'Cancelled.');
});

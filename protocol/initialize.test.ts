import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverProcessId } from './initialize';

test("the server's process id is read from an initialize result, and only a positive whole number counts", () => {
  assert.equal(serverProcessId({ capabilities: {}, processId: 4242 }), 4242);
  for (const result of [undefined, null, {}, { processId: 0 }, { processId: -3 }, { processId: 1.5 }, { processId: '4242' }, { processId: Number.NaN }]) {
    assert.equal(serverProcessId(result), undefined, JSON.stringify(result));
  }
});

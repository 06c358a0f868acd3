import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { linearPositions, tablePositions } from './positionIds';

const values = (p: { data: BigInt64Array }) => Array.from(p.data, Number);

test('1-D positions count from the offset, for any range', () => {
  assert.deepEqual(values(linearPositions().at(0, 3)), [0, 1, 2]);
  assert.deepEqual(linearPositions().at(5, 2).dims, [1, 2]);
  assert.deepEqual(values(linearPositions(1).at(4, 2)), [5, 6]);
});

test('M-RoPE rows: prompt positions from the table, then position + rope delta on every row', () => {
  // text, 2x2 image grid (t=1, h=1..2, w=1..2 offset by 1), text: as get_rope_index lays them out
  const rows = [
    [0, 1, 1, 1, 1, 3],
    [0, 1, 1, 2, 2, 3],
    [0, 1, 2, 1, 2, 3],
  ];
  const p = tablePositions(rows);
  const all = p.at(0, 6);
  assert.deepEqual(all.dims, [3, 1, 6]);
  assert.deepEqual(values(all), rows.flat());
  // largest position 3, 6 tokens: delta -2, so token 6 (the first generated) sits at 4 on every row
  assert.deepEqual(values(p.at(6, 2)), [4, 5, 4, 5, 4, 5]);
  // a suffix straddling the prompt's end
  assert.deepEqual(values(p.at(5, 2)), [3, 4, 3, 4, 3, 4]);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes } from '../../../protocol/errors';
import { planSpatialIds } from './deriveSpatialIds';
import { planTemporalIds } from './deriveTemporalIds';
import { RelationItem, heldOutItems } from './heldOutItems';
import { MAX_BANK_ROWS } from './idAveraging';

/**
 * Work proportional to what is used: plans and held-out items are made one at a time, and a plan
 * too large for a bank is refused before anything of its size exists (whatever the request schema
 * lets through). The same seed gives the same items in the same order, whatever the count asked.
 */

const badRequest = (words: RegExp) => (e: unknown) => (e as { code?: number }).code === ErrorCodes.badRequest && words.test((e as Error).message);

async function take(items: AsyncGenerator<RelationItem>, n: number): Promise<RelationItem[]> {
  const out: RelationItem[] = [];
  for await (const it of items) {
    out.push(it);
    if (out.length === n) break;
  }
  return out;
}

const summary = (it: RelationItem) => ({ question: it.question, truth: it.truth, subjectCell: it.subjectCell, otherCell: it.otherCell, pixels: it.pixels ? Buffer.from(it.pixels.data).toString('base64') : null, frames: it.frames?.length ?? 0 });

test('held-out items are drawn lazily: the first of a billion are those of a batch of three', async () => {
  const huge = heldOutItems('leftRight', 1e9, 5);
  const few = await take(heldOutItems('leftRight', 3, 5), 3);
  assert.deepEqual((await take(huge, 3)).map(summary), few.map(summary));
  const clips = await take(heldOutItems('beforeAfter', 1e9, 2, { distractor: true }), 1);
  assert.equal(clips[0].frames?.length, clips[0].clip?.numFrames);
});

test('ID plans count their items without making them, and make them in a fixed order', () => {
  const plan = planSpatialIds({ objects: ['red circle', 'blue square'], sizes: [14] });
  const items = [...plan.items()];
  assert.equal(items.length, plan.count);
  assert.equal(plan.count, 2 * 1 * 2 * 15);
  assert.deepEqual([...plan.items()].map((it) => [it.pair, it.row, it.question]), items.map((it) => [it.pair, it.row, it.question]));
  const clips = planTemporalIds({ objects: ['red circle', 'blue square'], frames: 8 });
  assert.equal([...clips.items()].length, clips.count);
});

test('plans too large for an ID bank are refused at once, before any item or row exists', () => {
  assert.throws(() => planSpatialIds({ grid: 10000, sizes: [0.001] }), badRequest(new RegExp(`100000000 ID bank rows; at most ${MAX_BANK_ROWS}`)));
  assert.throws(() => planTemporalIds({ frames: 1e9 }), badRequest(/1000000000 ID bank rows/));
  const many = Array.from({ length: 1000 }, () => 'red circle');
  assert.throws(() => planSpatialIds({ objects: many }), badRequest(/ordered pairs/));
  assert.throws(() => planSpatialIds({ sizes: [] }), badRequest(/at least one object size/));
});

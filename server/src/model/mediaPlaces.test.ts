import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { placeGrid, placeSquare, placeTiles } from './mediaPlaces';
import type { PromptToken } from './promptProcessor';

const text = (s: string): PromptToken => ({ id: 1, text: s, kind: 'text' });
const img = (): PromptToken => ({ id: 9, text: '<image>', kind: 'image' });

test('a picture grid is row-major from the first media token; text tokens get nothing', () => {
  const tokens = [text('USER'), ...Array.from({ length: 6 }, img), text('?')];
  placeGrid(tokens, 2, 3);
  assert.equal(tokens[0].media, undefined);
  assert.deepEqual(tokens.slice(1, 7).map((t) => [t.media!.row, t.media!.col]), [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
  assert.deepEqual([tokens[6].media!.gridRows, tokens[6].media!.gridCols], [2, 3]);
});

test('clip tokens are grids frame after frame', () => {
  const tokens: PromptToken[] = Array.from({ length: 8 }, () => ({ id: 5, text: '<video>', kind: 'video' }));
  placeGrid(tokens, 2, 2);
  assert.deepEqual(tokens.map((t) => [t.media!.frame, t.media!.row, t.media!.col]), [[0, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 1], [1, 0, 0], [1, 0, 1], [1, 1, 0], [1, 1, 1]]);
});

test('a square count is a square grid; another count is one row', () => {
  const sq = Array.from({ length: 16 }, img);
  placeSquare(sq);
  assert.deepEqual([sq[5].media!.row, sq[5].media!.col, sq[5].media!.gridRows], [1, 1, 4]);
  const odd = Array.from({ length: 6 }, img);
  placeSquare(odd);
  assert.deepEqual([odd[5].media!.row, odd[5].media!.col, odd[5].media!.gridCols], [0, 5, 6]);
});

test('tiles are named by their markers, the global image last without a tile position', () => {
  const tile = (marker: string) => [text('<fake_token_around_image>'), text(marker), ...Array.from({ length: 4 }, img)];
  const tokens = [...tile('<row_1_col_1>'), ...tile('<row_1_col_2>'), text('\n'), ...tile('<global-img>'), text('<fake_token_around_image>')];
  placeTiles(tokens, 4);
  const media = tokens.filter((t) => t.media).map((t) => t.media!);
  assert.equal(media.length, 12);
  assert.deepEqual(media.map((m) => m.tile), [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
  assert.deepEqual([media[4].tileRow, media[4].tileCol, media[7].row, media[7].col], [0, 1, 1, 1]);
  assert.equal(media[8].tileRow, undefined, 'the global image');
});

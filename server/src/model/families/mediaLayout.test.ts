import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelRunner } from '../../run/modelRunner';
import { PHOTO, TWINS, skipUnlessPresent } from '../../../test/support/twinFixtures';

/**
 * Every media token says where it sits, in each family's own layout, for the twins' 150x100
 * photo: LLaVA and Gemma-3 a fixed square grid, Qwen2-VL the merged patch grid of the picture
 * resized near its own shape (112x140 px -> 4 x 5 tokens), SmolVLM 2x2 tiles and the global image.
 */

const EXPECTED: Record<string, { tokens: number; grid: [number, number]; tiles?: string[] }> = {
  'llava-1.5': { tokens: 16, grid: [4, 4] },
  'qwen2-vl': { tokens: 20, grid: [4, 5] },
  smolvlm: { tokens: 80, grid: [4, 4], tiles: ['0@0,0', '1@0,1', '2@1,0', '3@1,1', '4@global'] },
  'gemma-3': { tokens: 16, grid: [4, 4] },
};

const runners: ModelRunner[] = [];
after(async () => Promise.all(runners.map((r) => r.dispose())));

for (const twin of TWINS) {
  test(`${twin.name}: media tokens carry their place in the family's token grid`, { skip: skipUnlessPresent(twin) }, async () => {
    const want = EXPECTED[twin.name];
    const r = await ModelRunner.load(twin.dir, { cacheDir: path.join(os.tmpdir(), 'sil-media-layout-graphs') });
    runners.push(r);
    const out = await r.forward({ media: { image: PHOTO }, question: 'Is the red circle to the left or right of the blue square?', maxNewTokens: 0 });
    const media = out.tokens.filter((t) => t.kind === 'image');
    assert.equal(media.length, want.tokens);
    assert.ok(media.every((t) => t.media !== undefined), 'every image token is placed');
    assert.ok(out.tokens.every((t) => t.kind !== 'text' || t.media === undefined), 'no text token is');
    const [rows, cols] = want.grid;
    assert.ok(media.every((t) => t.media!.gridRows === rows && t.media!.gridCols === cols), `grids of ${rows} x ${cols}`);
    // within each grid, row-major and complete
    const cells = media.map((t) => t.media!.row * cols + t.media!.col);
    assert.deepEqual(cells, media.map((_, k) => k % (rows * cols)));
    if (want.tiles) {
      const tiles = [...new Set(media.map((t) => `${t.media!.tile}@${t.media!.tileRow === undefined ? 'global' : `${t.media!.tileRow},${t.media!.tileCol}`}`))];
      assert.deepEqual(tiles, want.tiles);
    }
  });
}

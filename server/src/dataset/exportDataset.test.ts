import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportDataset } from './exportDataset';

test('a small export writes pixels, questions and meta in the documented layout, and never overwrites', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sil-dataset-'));
  try {
    const out = path.join(dir, 'ds');
    const { examples } = await exportDataset({ out, scenes: 10, clips: 3, seed: 5 });
    const meta = JSON.parse(fs.readFileSync(path.join(out, 'meta.json'), 'utf8'));
    assert.equal(meta.format, 'spatial-id-lens/dataset@1');
    assert.deepEqual(meta.counts, { images: 10, clips: 3, examples });
    assert.equal(fs.statSync(path.join(out, 'images.u8')).size, 10 * 96 * 96 * 3);
    assert.equal(fs.statSync(path.join(out, 'clips.u8')).size, 3 * 8 * 96 * 96 * 3);
    const lines = fs.readFileSync(path.join(out, 'examples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, examples);
    const vocab = new Set<string>(meta.vocabulary);
    for (const ex of lines) {
      assert.ok(ex.index < (ex.source === 'image' ? 10 : 3));
      for (const w of `${ex.question} ${ex.answer}`.match(/\w+|[^\w\s]+/g) ?? []) assert.ok(vocab.has(w), w);
    }
    assert.ok(lines.some((e) => e.family === 'beforeAfter') && lines.some((e) => e.family === 'grounding'));

    const again = path.join(dir, 'again');
    await exportDataset({ out: again, scenes: 10, clips: 3, seed: 5 });
    assert.deepEqual(fs.readFileSync(path.join(again, 'images.u8')), fs.readFileSync(path.join(out, 'images.u8')), 'same seed, same bytes');

    const before = fs.readFileSync(path.join(out, 'examples.jsonl'));
    await assert.rejects(exportDataset({ out, scenes: 1, clips: 0, seed: 6 }), /already holds a dataset/);
    assert.deepEqual(fs.readFileSync(path.join(out, 'examples.jsonl')), before);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

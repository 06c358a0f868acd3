import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { IdBankSummary } from '../../../protocol/requests';
import { IdBankCache } from './idBankCache';

const HASH = 'ab'.repeat(32);

function summary(kind: 'spatial' | 'temporal'): IdBankSummary {
  return { bank: '/somewhere/else', kind, model: '/m', decoderHash: HASH, cells: [{ x: 0, y: 0 }], layers: [], bestLayer: 2, seconds: 1 };
}

test('a bank is reused only when both the summary and the bank file exist', async () => {
  const cache = new IdBankCache(await fs.mkdtemp(path.join(os.tmpdir(), 'idbank-')));
  assert.equal(await cache.read(HASH, 'spatial'), null);
  const bankFile = await cache.prepare(HASH, 'spatial');
  await cache.write(summary('spatial'));
  assert.equal(await cache.read(HASH, 'spatial'), null, 'summary without a bank file');
  await fs.writeFile(bankFile, 'bank');
  const read = await cache.read(HASH, 'spatial');
  assert.equal(read?.bank, bankFile);
  assert.equal(read?.bestLayer, 2);
  assert.equal(await cache.read(HASH, 'temporal'), null, 'kinds are kept apart');
});

test('decoder hashes are checked before they become paths', () => {
  const cache = new IdBankCache('/store');
  assert.throws(() => cache.bankPath('../../etc', 'spatial'));
  assert.equal(cache.bankPath(HASH.toUpperCase(), 'temporal'), path.join('/store', HASH, 'temporal-ids.safetensors'));
});

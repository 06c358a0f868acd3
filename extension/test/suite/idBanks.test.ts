import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { HostToWebview } from '../../../protocol/webview';
import { extensionApi, fixture } from './extensionApi';

describe('ID banks', () => {
  it('are derived into global storage per decoder hash, announced to panels, and reused', async () => {
    const api = await extensionApi();
    const { banks, models } = api.context;
    const info = await models.ensureLoaded();
    const posted: HostToWebview[] = [];
    const controller = api.newPanelController({ kind: 'image', path: fixture('left-right.png').fsPath, displayUri: 'https://test/x' }, async (m) => (posted.push(m), true));
    const bank = await banks.derive('spatial', { force: true });
    assert.ok(bank?.bank, 'a bank file');
    assert.equal(bank.bank, banks.cache.bankPath(info.decoderHash, 'spatial'));
    assert.ok(fs.existsSync(bank.bank));
    assert.equal(bank.cells.length, 16);
    assert.equal(posted.find((m) => m.type === 'bank')?.type, 'bank', 'open panels get the new bank');
    const started = Date.now();
    const again = await banks.derive('spatial');
    assert.ok(Date.now() - started < 2000, 'the cached bank is reused, not derived again');
    assert.deepEqual(again, bank);
    controller.dispose();
  });
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { ErrorCodes } from '../../../protocol/errors';
import { checkOutputFile, writeFileAtomically, writeJsonAtomically } from './outputFile';

/** Output files: checked before the work, written whole or not at all, never over a file unless overwrite is true. */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sil-output-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const refused = (words: RegExp) => (e: unknown) => (e as { code?: number }).code === ErrorCodes.badRequest && words.test((e as Error).message);
const leftovers = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));

test('a new file is written whole, with no temporary file left', () => {
  const file = path.join(tmp, 'new.json');
  assert.equal(writeJsonAtomically(file, { a: 1 }), file);
  assert.equal(fs.readFileSync(file, 'utf8'), '{\n  "a": 1\n}\n');
  assert.deepEqual(leftovers(tmp), []);
});

test('an existing file is replaced only with overwrite === true, never with a truthy stand-in', () => {
  const file = path.join(tmp, 'precious.bin');
  fs.writeFileSync(file, 'user data');
  for (const overwrite of [undefined, false, 'false', 'true', 1, {}]) {
    assert.throws(() => writeFileAtomically(file, 'x', { overwrite }), refused(/exists already.*overwrite/), JSON.stringify(overwrite));
    assert.equal(fs.readFileSync(file, 'utf8'), 'user data');
  }
  writeFileAtomically(file, 'replaced', { overwrite: true });
  assert.equal(fs.readFileSync(file, 'utf8'), 'replaced');
  assert.deepEqual(leftovers(tmp), []);
});

test('a missing folder, a file as folder, a folder, a symlink or a FIFO as the target are refused, overwrite or not', () => {
  assert.throws(() => checkOutputFile(path.join(tmp, 'no-such-folder', 'x.json')), refused(/does not exist: create it first/));
  const plain = path.join(tmp, 'plain.txt');
  fs.writeFileSync(plain, 'x');
  assert.throws(() => checkOutputFile(path.join(plain, 'x.json')), refused(/does not exist|not a folder/));
  const folder = fs.mkdtempSync(path.join(tmp, 'folder-'));
  assert.throws(() => checkOutputFile(folder, { overwrite: true }), refused(/not a regular file/));
  const link = path.join(tmp, 'link.json');
  fs.symlinkSync('/dev/null', link);
  assert.throws(() => writeFileAtomically(link, 'x', { overwrite: true }), refused(/symbolic link/));
  assert.equal(fs.readlinkSync(link), '/dev/null', 'the link is left as it was');
  if (process.platform === 'linux') {
    const fifo = path.join(tmp, 'fifo');
    execFileSync('mkfifo', [fifo]);
    assert.throws(() => writeFileAtomically(fifo, 'x', { overwrite: true }), refused(/not a regular file/));
  }
  for (const bad of ['', '  ', 'a\0b']) assert.throws(() => checkOutputFile(bad), refused(/must be a file path/));
  assert.deepEqual(leftovers(tmp), []);
});

test('messages name the file and what it is', () => {
  const file = path.join(tmp, 'bank.safetensors');
  fs.writeFileSync(file, 'x');
  assert.throws(() => checkOutputFile(file, { what: 'ID bank' }), (e: Error) => e.message.includes(file) && e.message.includes('ID bank'));
});

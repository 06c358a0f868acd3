import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { FileReadError, checkFolder, readRegularFile } from './regularFile';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sil-files-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const kind = { what: 'test file', maxBytes: 16 };

const refused = (problem: string, ...parts: RegExp[]) => (e: unknown) => {
  assert.ok(e instanceof FileReadError, `expected a FileReadError, got ${String(e)}`);
  assert.equal(e.problem, problem, e.message);
  for (const p of parts) assert.match(e.message, p);
  return true;
};

test('a regular file is read whole, also through a symlink', () => {
  const f = path.join(dir, 'ok.txt');
  fs.writeFileSync(f, 'hello');
  assert.equal(readRegularFile(f, kind).toString(), 'hello');
  fs.symlinkSync(f, path.join(dir, 'link.txt'));
  assert.equal(readRegularFile(path.join(dir, 'link.txt'), kind).toString(), 'hello');
});

test('FIFOs, devices, symlinks to devices and folders are refused without reading (a FIFO would block)', () => {
  const pipe = path.join(dir, 'pipe');
  if (spawnSync('mkfifo', [pipe]).status === 0) assert.throws(() => readRegularFile(pipe, kind), refused('notRegular', /pipe is a FIFO \(named pipe\), not a regular test file/));
  assert.throws(() => readRegularFile('/dev/zero', kind), refused('notRegular', /\/dev\/zero is a character device/));
  fs.symlinkSync('/dev/zero', path.join(dir, 'zero'));
  assert.throws(() => readRegularFile(path.join(dir, 'zero'), kind), refused('notRegular', /zero is a character device/));
  assert.throws(() => readRegularFile(dir, kind), refused('notRegular', /is a folder, not a regular test file: pick a file inside it/));
});

test('missing, empty and oversized files name the problem and the fix', () => {
  assert.throws(() => readRegularFile(path.join(dir, 'absent'), kind), refused('notFound', /absent does not exist\. Check the path/));
  fs.writeFileSync(path.join(dir, 'empty'), '');
  assert.throws(() => readRegularFile(path.join(dir, 'empty'), kind), refused('empty', /empty is empty \(0 bytes\)/));
  assert.equal(readRegularFile(path.join(dir, 'empty'), { ...kind, allowEmpty: true }).length, 0);
  fs.writeFileSync(path.join(dir, 'big'), 'x'.repeat(17));
  assert.throws(() => readRegularFile(path.join(dir, 'big'), kind), refused('tooLarge', /big is 17 bytes, more than the 16 bytes any test file needs/));
});

test('a folder is checked to be a folder', () => {
  checkFolder(dir, 'test folder');
  fs.writeFileSync(path.join(dir, 'file'), 'x');
  assert.throws(() => checkFolder(path.join(dir, 'file'), 'test folder'), refused('notRegular', /is a file, not a folder: point at the test folder/));
  assert.throws(() => checkFolder(path.join(dir, 'nope'), 'test folder'), refused('notFound'));
});

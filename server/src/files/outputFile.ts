import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ErrorCodes } from '../../../protocol/errors';
import { CodedError } from '../../../protocol/errors';

/**
 * Files the analyses write for the user (ID banks, results, experiments): checked before any
 * work, so a bad path is reported at once, and written atomically, so a failed or cancelled run
 * leaves nothing behind and a reader never sees half a file. A file that exists is replaced only
 * with `overwrite === true` (never a truthy string), and something that is not a regular file
 * (a folder, a device, a FIFO, a symlink) is never written to.
 */

export interface OutputOptions {
  /** Replace an existing regular file; only the boolean true counts. */
  overwrite?: unknown;
  /** What the file is, for messages ("ID bank", "results file"). */
  what?: string;
}

const refuse = (message: string) => new CodedError(ErrorCodes.badRequest, message);

/** Throws a coded error naming the problem and the fix unless `file` may be written; returns its absolute path. */
export function checkOutputFile(file: string, opts: OutputOptions = {}): string {
  const what = opts.what ?? 'output file';
  if (typeof file !== 'string' || !file.trim() || file.includes('\0')) throw refuse(`The ${what} must be a file path (got ${JSON.stringify(file)}).`);
  const target = path.resolve(file);
  const folder = path.dirname(target);
  let folderStats: fs.Stats;
  try {
    folderStats = fs.statSync(folder);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw refuse(code === 'ENOENT' || code === 'ENOTDIR' ? `The folder of the ${what}, ${folder}, does not exist: create it first, or choose a file in an existing folder.` : `The folder of the ${what}, ${folder}, cannot be read (${code}): check its permissions.`);
  }
  if (!folderStats.isDirectory()) throw refuse(`${folder} is not a folder, so the ${what} ${target} cannot be written in it: choose a file in a folder.`);
  let stats: fs.Stats | undefined;
  try {
    stats = fs.lstatSync(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw refuse(`${target} cannot be checked (${(e as NodeJS.ErrnoException).code}): choose another file for the ${what}.`);
  }
  if (stats) {
    if (stats.isSymbolicLink()) throw refuse(`${target} is a symbolic link: the ${what} is never written through a link. Choose a new file name.`);
    if (!stats.isFile()) throw refuse(`${target} exists and is not a regular file (a folder, device or pipe): choose a new file name for the ${what}.`);
    if (opts.overwrite !== true) throw refuse(`${target} exists already: choose another file for the ${what}, or pass overwrite (true) to replace it.`);
  }
  return target;
}

/**
 * Writes `bytes` to `file` atomically: a new temporary file in the same folder (created
 * exclusively, so no planted link is followed), flushed, then moved into place. Without
 * `overwrite === true` the move is a hard link that fails if the file appeared meanwhile.
 */
export function writeFileAtomically(file: string, bytes: Uint8Array | string, opts: OutputOptions = {}): string {
  const target = checkOutputFile(file, opts);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0), 0o644);
    fs.writeFileSync(fd, bytes);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    if (opts.overwrite === true) {
      fs.renameSync(tmp, target);
    } else {
      try {
        fs.linkSync(tmp, target);
        fs.unlinkSync(tmp);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw refuse(`${target} appeared while the ${opts.what ?? 'output file'} was being written; it was left as it is. Choose another file.`);
        // a file system without hard links: check again, then move
        checkOutputFile(target, opts);
        fs.renameSync(tmp, target);
      }
    }
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    if (e instanceof CodedError) throw e;
    throw refuse(`The ${opts.what ?? 'output file'} ${target} could not be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): check the folder's permissions and free space.`);
  }
  return target;
}

/** JSON as the analyses write it (two-space indent, final newline), atomically. */
export function writeJsonAtomically(file: string, value: unknown, opts: OutputOptions = {}): string {
  return writeFileAtomically(file, `${JSON.stringify(value, null, 2)}\n`, opts);
}

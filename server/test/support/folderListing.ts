import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * For the tests that a model folder is only read: every entry under it (recursively) with its
 * kind, size and modification time, as sorted lines, so a before/after comparison names any
 * file that appeared, vanished, grew or was touched.
 */
export function folderListing(dir: string): string[] {
  const lines: string[] = [];
  const walk = (at: string) => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      const st = fs.lstatSync(full);
      const kind = entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other';
      lines.push(`${path.relative(dir, full)} ${kind} ${entry.isDirectory() ? '-' : st.size} ${st.mtimeMs}`);
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return lines.sort();
}

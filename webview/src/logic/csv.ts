/** CSV (RFC 4180 quoting, "\n" line ends) from rows of plain values. */

export type CsvValue = string | number | boolean | null | undefined;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const s = String(value);
  return /[",\n\r]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Columns default to the keys of the first row, in order, then any new keys of later rows.
 * `headers` renames columns in the header line only (a row key to its shown name).
 */
export function toCsv(rows: readonly Record<string, CsvValue>[], columns?: readonly string[], headers: Readonly<Record<string, string>> = {}): string {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const lines = [cols.map((c) => csvField(headers[c] ?? c)).join(',')];
  for (const row of rows) lines.push(cols.map((c) => csvField(row[c])).join(','));
  return lines.join('\n') + '\n';
}

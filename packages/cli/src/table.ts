import { oneLine, textWidth } from './text-width.js';

/**
 * Rows as left-aligned columns two spaces apart, the first row being the header; padded by the
 * width on a terminal, one line per row whatever a cell holds.
 */
export function table(rows: readonly (readonly string[])[]): string {
  const cells = rows.map((r) => r.map(oneLine));
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((r) => textWidth(r[i] ?? '')))) ?? [];
  const lines = cells.map((r) =>
    r
      .map((c, i) => c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - textWidth(c))))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}

/** `key: value` lines, keys padded to one width; null values show as `-`. */
export function fields(pairs: readonly (readonly [string, unknown])[]): string {
  const width = Math.max(...pairs.map(([k]) => k.length)) + 1;
  return pairs
    .map(([k, v]) => `${`${k}:`.padEnd(width)} ${v === null || v === undefined ? '-' : String(v)}\n`)
    .join('');
}

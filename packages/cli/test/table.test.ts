import { describe, expect, it } from 'vitest';
import { table } from '../src/table.js';
import { textWidth } from '../src/text-width.js';

describe('table', () => {
  it('lines columns up after names of wide characters', () => {
    const out = table([
      ['ID', 'NAME', 'SIZE'],
      ['a1', '報告書.csv', '10 B'],
      ['b2', 'plain.csv', '2 KiB'],
    ]).split('\n');
    // SIZE starts in the same terminal column on every line
    const col = (line: string) => textWidth(line.slice(0, line.lastIndexOf('  ') + 2));
    expect(col(out[1] as string)).toBe(col(out[0] as string));
    expect(col(out[2] as string)).toBe(col(out[0] as string));
  });

  it('keeps a row on one line when a cell holds a line break', () => {
    const out = table([
      ['ID', 'NAME'],
      ['a1', 'two\nlines.txt'],
    ]);
    expect(out.split('\n')).toHaveLength(3);
    expect(out).toContain('two\\nlines.txt');
  });

  it('measures what a terminal shows', () => {
    expect(textWidth('abc')).toBe(3);
    expect(textWidth('報告')).toBe(4);
    expect(textWidth('ｆｕｌｌ')).toBe(8);
    expect(textWidth('e\u0301')).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { copyText } from '../../src/adapters/sql/copy-text.js';
import { type ImportType, isRejection, parseCell } from '../../src/processors/import-values.js';

/** The value of `text` as `type`, or undefined when it is rejected. */
function cell(type: ImportType, text: string) {
  // inside a larger buffer, as the parser hands fields over
  const buf = Buffer.from(`,${text},`, 'latin1');
  const v = parseCell(type, buf, 1, buf.length - 1);
  return isRejection(type, v) ? undefined : v;
}

describe('import values', () => {
  it('reads integers exactly and refuses what is not a safe integer', () => {
    expect(cell('integer', '42')).toBe(42);
    expect(cell('integer', '+5')).toBe(5);
    expect(cell('integer', '-17')).toBe(-17);
    expect(Object.is(cell('integer', '-0'), -0)).toBe(true);
    expect(cell('integer', '007')).toBe(7);
    expect(cell('integer', '9007199254740991')).toBe(2 ** 53 - 1);
    expect(cell('integer', '-9007199254740991')).toBe(-(2 ** 53 - 1));
    for (const bad of [
      '9007199254740992',
      '99999999999999999',
      '12345678901234567',
      '',
      '-',
      '+',
      '1.0',
      ' 1',
      '1 ',
      '1e3',
      '0x1',
      '--1',
    ])
      expect(cell('integer', bad), bad).toBeUndefined();
  });

  it('reads booleans in any case, and 1 / 0', () => {
    for (const [text, v] of [
      ['true', true],
      ['TRUE', true],
      ['False', false],
      ['1', true],
      ['0', false],
    ] as const)
      expect(cell('boolean', text), text).toBe(v);
    for (const bad of ['yes', 't', '2', 'truee', '']) expect(cell('boolean', bad), bad).toBeUndefined();
  });

  it('writes COPY text: positions, escapes, null, booleans and numbers Postgres reads back exactly', () => {
    const text = copyText(
      [
        ['a\tb\nc\rd\\e', 1, 0.1, true, null],
        ['naïve ✓', -(2 ** 53 - 1), 1e21, false, '2020-02-29'],
      ],
      7,
    ).toString('utf8');
    expect(text).toBe(
      '7\ta\\tb\\nc\\rd\\\\e\t1\t0.1\tt\t\\N\n8\tnaïve ✓\t-9007199254740991\t1e+21\tf\t2020-02-29\n',
    );
  });

  it('grows its buffer for batches of any size', () => {
    const long = 'é'.repeat(5000);
    const rows = Array.from({ length: 300 }, (_, i) => [long, i]);
    const lines = copyText(rows, 1).toString('utf8').split('\n');
    expect(lines).toHaveLength(301);
    expect(lines[299]).toBe(`300\t${long}\t299`);
  });
});

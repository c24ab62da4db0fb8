import rangeParser from 'range-parser';

/**
 * The ranges a Range header asks of a representation `size` bytes long (range-parser's answer:
 * -1 unsatisfiable, -2 malformed), read as RFC 9110 says where range-parser reads otherwise:
 * - the unit is case-insensitive (`BYTES=0-9` is a byte range);
 * - a suffix longer than the representation (`-N`, N > size) means all of it, not "unsatisfiable".
 */
export function parseRanges(size: number, header: string): ReturnType<typeof rangeParser> {
  const eq = header.indexOf('=');
  if (eq === -1) return -2;
  const unit = header.slice(0, eq).trim().toLowerCase();
  const specs = header
    .slice(eq + 1)
    .split(',')
    .map((spec) => {
      const suffix = /^\s*-\s*(\d+)\s*$/.exec(spec);
      return suffix && Number(suffix[1]) > size && size > 0 ? '0-' : spec;
    });
  return rangeParser(size, `${unit}=${specs.join(',')}`, { combine: true });
}

import { describe, expect, it } from 'vitest';
import { typeOfName } from '../src/media-types.js';

describe('typeOfName', () => {
  it('knows the common extensions, in any case', () => {
    expect(typeOfName('plays.csv')).toBe('text/csv');
    expect(typeOfName('Export.JSON')).toBe('application/json');
    expect(typeOfName('logs.tar.gz')).toBe('application/gzip');
    expect(typeOfName('scan.jpg')).toBe('image/jpeg');
    expect(typeOfName('a.pdf')).toBe('application/pdf');
  });

  it('gives no type for a name it cannot tell', () => {
    for (const name of ['README', '.env', 'x.bin', 'x.', 'x.constructor', 'x.__proto__'])
      expect(typeOfName(name), name).toBeUndefined();
  });
});

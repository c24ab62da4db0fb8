import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileGlob } from '../src/glob.js';

describe('compileGlob', () => {
  it('splits off the fixed directory and matches within one segment', () => {
    const g = compileGlob('data/in/*.csv');
    expect(g.base).toBe(path.join('data', 'in'));
    expect(g.depth).toBe(1);
    expect(g.match('a.csv')).toBe(true);
    expect(g.match('a.csv.gz')).toBe(false);
    expect(g.match(path.join('sub', 'a.csv'))).toBe(false);
  });

  it('lets ** span directories, ? one character and [..] a class', () => {
    const g = compileGlob('logs/**/day-?[0-9].log');
    expect(g.depth).toBe(Number.POSITIVE_INFINITY);
    expect(g.match('day-a1.log')).toBe(true);
    expect(g.match(path.join('2024', '06', 'day-b7.log'))).toBe(true);
    expect(g.match('day-ab.log')).toBe(false);
  });

  it('treats regex characters in names literally', () => {
    const g = compileGlob('a+b(1).*');
    expect(g.base).toBe('.');
    expect(g.match('a+b(1).txt')).toBe(true);
    expect(g.match('aab(1).txt')).toBe(false);
  });
});

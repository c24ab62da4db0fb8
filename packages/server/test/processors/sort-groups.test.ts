import { expect, it } from 'vitest';
import { sortGroups } from '../../src/processors/sort-groups.js';

it('sorts keys by song then date bytes, shorter songs first, through long shared prefixes', () => {
  let seed = 7;
  const rand = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  // A tiny alphabet (with NUL and 0xFF) and long common prefixes make many equal chunks and ties.
  const alphabet = [0, 1, 0x41, 0x42, 0xff];
  const prefix = Buffer.from('The very long common prefix of every song ');
  const keys = new Map<string, Buffer>();
  while (keys.size < 20_000) {
    const song = Buffer.concat([
      rand() < 0.5 ? prefix : Buffer.alloc(0),
      Buffer.from(
        Array.from({ length: Math.floor(rand() * 7) }, () => alphabet[Math.floor(rand() * alphabet.length)]!),
      ),
    ]);
    const date = Buffer.from(`2020-01-0${1 + Math.floor(rand() * 3)}`);
    const key = Buffer.concat([song, Buffer.from([0]), date]);
    keys.set(key.toString('latin1'), key);
  }
  const list = [...keys.values()];
  const arena = Buffer.concat(list);
  const starts = new Int32Array(list.length + 1);
  list.forEach((k, i) => {
    starts[i + 1] = starts[i]! + k.length;
  });
  const order = Int32Array.from(list.keys());
  sortGroups(order, arena, starts, 11);

  const song = (k: Buffer) => k.subarray(0, k.length - 11);
  const date = (k: Buffer) => k.subarray(k.length - 10);
  const expected = [...list.keys()].sort(
    (a, b) =>
      Buffer.compare(song(list[a]!), song(list[b]!)) || Buffer.compare(date(list[a]!), date(list[b]!)),
  );
  expect([...order]).toEqual(expected);
});

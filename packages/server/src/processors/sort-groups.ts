/**
 * Sorts group numbers by their keys in an arena (song, NUL, date per group; group g spans
 * arena[starts[g], starts[g + 1])): song then date by bytes, a song before any longer song it
 * prefixes. An MSD sort: load 4 key bytes of every group in the range into one number (one pass,
 * one arena read per group), sort those numbers with the group numbers alongside, and go 4 bytes
 * deeper for each run of equal numbers. No string is made: sorting a batch as strings was faster
 * but held every key of the batch as a string at once, which piled up in the old generation and
 * pushed the RSS of the 5M-groups bench to the edge of its 300 MiB limit; `Int32Array#sort` with
 * a comparator over the arena was slower than this (cache misses on every comparison).
 */
export function sortGroups(order: Int32Array, arena: Buffer, starts: Int32Array, tail: number): void {
  const vals = new Float64Array(order.length);
  // Ranges still to sort, as (lo, hi, depth) triples: an explicit stack, as a long shared prefix
  // would otherwise mean deep recursion.
  const todo: number[] = [0, order.length, 0];
  while (todo.length > 0) {
    const d = todo.pop()!;
    const hi = todo.pop()!;
    const lo = todo.pop()!;
    for (let i = lo; i < hi; i++) vals[i] = chunk(order[i]!, d, arena, starts, tail);
    sortPairs(vals, order, lo, hi - 1);
    for (let i = lo; i < hi; ) {
      const v = vals[i]!;
      let j = i + 1;
      while (j < hi && vals[j] === v) j++;
      // Equal so far and not ended: the next 4 bytes decide.
      if (j - i > 1 && v % BASE !== 0) todo.push(i, j, d + WIDTH);
      i = j;
    }
  }
}

const BASE = 258;
const WIDTH = 4;

/**
 * Key bytes d..d+3 as one number in sort terms, base 258: a song or date byte as 2..257, the
 * song's end as 1 (below any byte, so prefixes sort first), past the key's end 0. So the value is
 * divisible by BASE exactly when the key has ended by byte d+3. (258^4 < 2^53: exact in a double.)
 */
function chunk(g: number, d: number, arena: Buffer, starts: Int32Array, tail: number): number {
  const a = starts[g]!;
  const len = starts[g + 1]! - a;
  const songLen = len - tail;
  let v = 0;
  for (let k = d; k < d + WIDTH; k++) v = v * BASE + (k === songLen ? 1 : k < len ? arena[a + k]! + 2 : 0);
  return v;
}

/** Quicksort of vals[lo..hi] ascending, moving order[] along; recursion on the smaller side only. */
function sortPairs(vals: Float64Array, order: Int32Array, lo: number, hi: number): void {
  while (hi - lo > 16) {
    const mid = (lo + hi) >>> 1;
    // Median of three as the pivot: sorted or reversed input stays n log n.
    if (vals[mid]! < vals[lo]!) swap(vals, order, mid, lo);
    if (vals[hi]! < vals[lo]!) swap(vals, order, hi, lo);
    if (vals[hi]! < vals[mid]!) swap(vals, order, hi, mid);
    const pivot = vals[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (vals[i]! < pivot) i++;
      while (vals[j]! > pivot) j--;
      if (i <= j) swap(vals, order, i++, j--);
    }
    if (j - lo < hi - i) {
      sortPairs(vals, order, lo, j);
      lo = i;
    } else {
      sortPairs(vals, order, i, hi);
      hi = j;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const v = vals[i]!;
    const g = order[i]!;
    let j = i - 1;
    while (j >= lo && vals[j]! > v) {
      vals[j + 1] = vals[j]!;
      order[j + 1] = order[j]!;
      j--;
    }
    vals[j + 1] = v;
    order[j + 1] = g;
  }
}

function swap(vals: Float64Array, order: Int32Array, a: number, b: number): void {
  const v = vals[a]!;
  vals[a] = vals[b]!;
  vals[b] = v;
  const g = order[a]!;
  order[a] = order[b]!;
  order[b] = g;
}

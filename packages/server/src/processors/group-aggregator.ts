import { DATE_LENGTH } from './csv-report-fields.js';
import { groupKey } from './group-key.js';
import { latin1Slice } from './latin1.js';
import type { GroupCursor } from './run-merge.js';
import { sortGroups } from './sort-groups.js';
import { addSum, type Sum } from './sum.js';

/** Bytes of a key beyond the song's: the NUL separator and the date. */
const KEY_TAIL = 1 + DATE_LENGTH;
const FIRST_CAPACITY = 1024;

/**
 * Sums plays per (Song, Date) in memory, up to a byte budget. The caller checks `full` at batch
 * boundaries and then drains the groups, sorted, into a run on disk: a spilled run plus the input
 * offset of that boundary is everything a checkpoint of the aggregation phase needs.
 *
 * An open-addressing hash table over the key *bytes*, not a Map of strings: a row of an existing
 * group (the common case) costs a hash and a compare of ~20 bytes, with no string made and no
 * garbage; a new group costs ~40 bytes plus its key, not the ~100 of a Map entry and a string. And
 * the size is known exactly (typed arrays and one byte arena), not estimated.
 */
export class GroupAggregator {
  private count = 0;
  /** Key bytes of every group, back to back: song, NUL, date. */
  private arena = Buffer.allocUnsafe(64 * 1024);
  /** Group g's key is arena[starts[g], starts[g + 1]). */
  private starts = new Int32Array(FIRST_CAPACITY + 1);
  private hashes = new Int32Array(FIRST_CAPACITY);
  private dates = new Int32Array(FIRST_CAPACITY);
  /** Sums while they are exact doubles; -1 means the sum is in `big`. */
  private sums = new Float64Array(FIRST_CAPACITY);
  private big = new Map<number, bigint>();
  /** Group number + 1 by hash slot; 0 is free. Kept at most half full. */
  private slots = new Int32Array(2 * FIRST_CAPACITY);

  constructor(private readonly limitBytes: number) {}

  get size(): number {
    return this.count;
  }

  /**
   * Bytes in use: key bytes plus, per group, its start, hash, date and sum (20) and hash slots (at
   * most 4 of 4 bytes). Capacities run up to twice that (they double), which the limit must allow for.
   */
  get bytes(): number {
    return this.starts[this.count]! + this.count * 36;
  }

  /** The byte budget given at construction. */
  get limit(): number {
    return this.limitBytes;
  }

  /** Past the budget: drain before adding much more. */
  get full(): boolean {
    return this.bytes > this.limitBytes;
  }

  /**
   * Adds `plays` to the group of the song at buf[songStart, songEnd) and the date at `dateStart`,
   * whose value as YYYYMMDD is `date` (a number hashes and compares faster than its 10 bytes).
   */
  add(buf: Buffer, songStart: number, songEnd: number, dateStart: number, date: number, plays: Sum): void {
    const songLen = songEnd - songStart;
    // FNV-1a over the song bytes and the date number.
    let h = 0x811c9dc5 | 0;
    for (let i = songStart; i < songEnd; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    h = Math.imul(h ^ date, 0x01000193);
    const { slots, starts, hashes, dates, arena } = this;
    const mask = slots.length - 1;
    let at = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const g = slots[at]! - 1;
      if (g < 0) break;
      if (hashes[g] === h && dates[g] === date && starts[g + 1]! - starts[g]! === songLen + KEY_TAIL) {
        // Compare by hand: this runs once per row, and a helper call here was not inlined.
        let k = starts[g]!;
        let i = songStart;
        while (i < songEnd && arena[k] === buf[i]) {
          k++;
          i++;
        }
        if (i === songEnd) {
          const s = this.sums[g]!;
          if (s >= 0 && typeof plays === 'number') {
            const t = s + plays;
            // Doubles hold every integer up to 2^53 - 1 exactly; past that the group moves to bigint.
            if (t <= Number.MAX_SAFE_INTEGER) {
              this.sums[g] = t;
              return;
            }
          }
          this.setSum(g, addSum(s >= 0 ? s : this.big.get(g)!, plays));
          return;
        }
      }
      at = (at + 1) & mask;
    }
    this.insert(at, h, buf, songStart, songEnd, dateStart, date, plays);
  }

  /**
   * Every group in key order, leaving the aggregator empty for the next batch. The cursor shares
   * the table's arrays (reused, not reallocated, so batches make no garbage): read it to the end
   * before the next add().
   */
  drain(): GroupCursor {
    const cursor = this.sorted();
    this.count = 0;
    this.slots.fill(0);
    this.big = new Map();
    return cursor;
  }

  /** Every group in key order, the aggregator unchanged (for a snapshot). Read it before the next add(). */
  sorted(): GroupCursor {
    const order = new Int32Array(this.count);
    for (let g = 0; g < order.length; g++) order[g] = g;
    sortGroups(order, this.arena, this.starts, KEY_TAIL);
    return new SortedGroups(order, this.arena, this.starts, this.sums, this.big);
  }

  private insert(
    slot: number,
    h: number,
    buf: Buffer,
    songStart: number,
    songEnd: number,
    dateStart: number,
    date: number,
    plays: Sum,
  ): void {
    const g = this.count;
    if (g === this.hashes.length) this.growGroups();
    const a = this.starts[g]!;
    const end = a + songEnd - songStart + KEY_TAIL;
    if (end > this.arena.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.arena.length, end));
      this.arena.copy(grown, 0, 0, a);
      this.arena = grown;
    }
    // Byte loops: keys are short, and Buffer#copy's call costs more than copying them.
    const arena = this.arena;
    let o = a;
    for (let i = songStart; i < songEnd; i++) arena[o++] = buf[i]!;
    arena[o++] = 0;
    for (let i = dateStart; i < dateStart + DATE_LENGTH; i++) arena[o++] = buf[i]!;
    this.starts[g + 1] = end;
    this.hashes[g] = h;
    this.dates[g] = date;
    this.setSum(g, plays);
    this.slots[slot] = g + 1;
    this.count = g + 1;
    if (2 * this.count > this.slots.length) this.growSlots();
  }

  private growGroups(): void {
    const cap = 2 * this.hashes.length;
    const starts = new Int32Array(cap + 1);
    starts.set(this.starts);
    this.starts = starts;
    const hashes = new Int32Array(cap);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const dates = new Int32Array(cap);
    dates.set(this.dates);
    this.dates = dates;
    const sums = new Float64Array(cap);
    sums.set(this.sums);
    this.sums = sums;
  }

  private growSlots(): void {
    const slots = new Int32Array(2 * this.slots.length);
    const mask = slots.length - 1;
    for (let g = 0; g < this.count; g++) {
      const h = this.hashes[g]!;
      let at = (h ^ (h >>> 15)) & mask;
      while (slots[at] !== 0) at = (at + 1) & mask;
      slots[at] = g + 1;
    }
    this.slots = slots;
  }

  private setSum(g: number, v: Sum): void {
    if (typeof v === 'number') {
      this.sums[g] = v;
    } else {
      this.sums[g] = -1;
      this.big.set(g, v);
    }
  }
}

/** A drained batch, read in key order. */
class SortedGroups implements GroupCursor {
  key = '';
  sum: Sum = 0;
  private at = -1;

  constructor(
    private order: Int32Array,
    private readonly arena: Buffer,
    private readonly starts: Int32Array,
    private readonly sums: Float64Array,
    private readonly big: Map<number, bigint>,
  ) {}

  next(): boolean {
    if (++this.at >= this.order.length) return false;
    const g = this.order[this.at]!;
    this.key = groupKey(latin1Slice(this.arena, this.starts[g]!, this.starts[g + 1]!));
    const s = this.sums[g]!;
    this.sum = s >= 0 ? s : this.big.get(g)!;
    return true;
  }

  async close(): Promise<void> {
    this.order = new Int32Array(0);
  }
}

import { addSum, type Sum } from './sum.js';

/** A sorted stream of groups: a drained batch in memory, or a run read back from disk. */
export interface GroupCursor {
  /** The current group, valid after `next()` returned true. */
  key: string;
  sum: Sum;
  /** Moves to the next group: false at the end. A promise only when it had to read. */
  next(): boolean | Promise<boolean>;
  close(): Promise<void>;
}

/** Where merged groups go: the CSV output, or a new run file in a multi-pass merge. */
export interface GroupSink {
  /** Buffers one group; true means "call flush() before pushing more". */
  push(key: string, sum: Sum): boolean;
  flush(): Promise<void>;
}

/**
 * k-way merge of sorted cursors through a binary min-heap on the key; equal keys (the same group
 * spilled in several runs) are summed. Returns the number of groups written. Closes the cursors.
 */
export async function mergeGroups(
  cursors: GroupCursor[],
  sink: GroupSink,
  signal: AbortSignal,
): Promise<number> {
  const heap: GroupCursor[] = [];
  try {
    for (const c of cursors) if (await c.next()) heap.push(c);
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i);
    let groups = 0;
    while (heap.length > 0) {
      const top = heap[0]!;
      const key = top.key;
      let sum = top.sum;
      // `await` only when a cursor had to read: an await per group would cost a microtask each.
      let moved = advance(heap, top);
      if (moved) await moved;
      while (heap.length > 0 && heap[0]!.key === key) {
        const same = heap[0]!;
        sum = addSum(sum, same.sum);
        moved = advance(heap, same);
        if (moved) await moved;
      }
      groups++;
      if (sink.push(key, sum)) {
        signal.throwIfAborted();
        await sink.flush();
      }
    }
    await sink.flush();
    return groups;
  } finally {
    await Promise.all(cursors.map((c) => c.close()));
  }
}

/** Moves the heap's top cursor on, dropping it when it ends. */
function advance(heap: GroupCursor[], top: GroupCursor): Promise<void> | undefined {
  const r = top.next();
  if (typeof r === 'boolean') {
    settle(heap, r);
    return undefined;
  }
  return r.then((more) => settle(heap, more));
}

function settle(heap: GroupCursor[], more: boolean): void {
  if (!more) {
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
  }
  siftDown(heap, 0);
}

function siftDown(heap: GroupCursor[], i: number): void {
  const n = heap.length;
  const item = heap[i]!;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && heap[child + 1]!.key < heap[child]!.key) child++;
    if (heap[child]!.key >= item.key) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = item;
}

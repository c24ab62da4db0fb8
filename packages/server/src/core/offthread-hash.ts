import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/**
 * The hashing thread: one per process, holding every hash state it is sent by id. Messages on one
 * port arrive in order, so an update, a copy and a digest of one state are applied as they were
 * posted. Each batch of bytes is acknowledged, which is what the main thread's budget counts. A
 * batch may feed several states (a chunk's checksum and the file's running sha256); a state
 * dropped meanwhile (its owner was garbage collected) is skipped.
 */
const WORKER_SOURCE = `
// import(), not require: this runs as CommonJS, or as a module under --input-type=module
Promise.all([import('node:worker_threads'), import('node:crypto')]).then(([{ parentPort }, { createHash }]) => {
const states = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'new') states.set(m.id, createHash(m.alg));
  else if (m.op === 'up') {
    // one batch for every state fed the same bytes: the later passes find them in the cache
    const bytes = new Uint8Array(m.buf, 0, m.len);
    for (const id of m.ids) states.get(id)?.update(bytes);
    // the batch goes back to be filled again: buffers freed only by this thread's rare GCs would pile up
    parentPort.postMessage({ op: 'ack', len: m.len, buf: m.buf }, [m.buf]);
  } else if (m.op === 'copy') states.set(m.to, states.get(m.id).copy());
  else if (m.op === 'digest') {
    const digest = states.get(m.id).digest();
    states.delete(m.id);
    parentPort.postMessage({ op: 'digest', req: m.req, digest }, [digest.buffer]);
  } else if (m.op === 'drop') states.delete(m.id);
});
});
`;

/** Bytes copied into one message to the hashing thread. */
const BATCH = 64 * 1024;
/** A hash expected to see at most this much stays on the main thread. */
const INLINE_LIMIT = 1024 * 1024;
/** Bytes sent to the hashing thread and not hashed yet, across all uploads, before writers wait. */
const IN_FLIGHT_LIMIT = 4 * 1024 * 1024;

type Message =
  | { op: 'ack'; len: number; buf: ArrayBuffer }
  | { op: 'digest'; req: number; digest: ArrayBuffer };

/**
 * Hashes on the hashing thread at once. It is one core: it lets a few big uploads hash beside
 * their main thread; with more at once every core is busy anyway, and off-loading them would only
 * add copies and memory, so the others hash where they are.
 */
const MAX_THREADED = 4;

/** Empty batches kept for reuse (beyond the in-flight budget, a few partial ones). */
const POOL_MAX = IN_FLIGHT_LIMIT / BATCH + 2 * MAX_THREADED;

/** The one hashing thread of this process, started on first use, and its in-flight budget. */
class HashThread {
  #worker: Worker | undefined;
  #nextId = 1;
  #nextReq = 1;
  readonly #digests = new Map<number, (d: Buffer) => void>();
  /** whether the thread keeps the process alive now (see `#busy`) */
  #refed = true;
  inFlight = 0;
  /** hash states living on the thread (not digested or dropped yet) */
  active = 0;
  readonly #pool: Uint8Array[] = [];
  /**
   * Writers waiting for the backlog to shrink, woken at each acknowledgement. A list, not 'ack'
   * listeners: with many uploads at once there are more than EventEmitter's 10 before it warns
   * (it did, again and again, under 100 uploads).
   */
  #waiters: (() => void)[] = [];
  // A state dropped by the garbage collector (never digested: an abandoned write) is dropped there too.
  readonly #finalizer = new FinalizationRegistry<number>((id) => {
    this.active--;
    this.post({ op: 'drop', id });
  });

  newState(alg: string): number {
    const id = this.#nextId++;
    this.post({ op: 'new', id, alg });
    return id;
  }

  copyState(from: number): number {
    const id = this.#nextId++;
    this.post({ op: 'copy', id: from, to: id });
    return id;
  }

  /** Counts state `id` as `owner`'s until its digest, or until `owner` is garbage collected. */
  track(owner: object, id: number): void {
    this.active++;
    this.#finalizer.register(owner, id, owner);
  }

  update(ids: readonly number[], batch: Uint8Array): void {
    this.inFlight += batch.byteLength;
    const buf = batch.buffer as ArrayBuffer;
    this.#thread().postMessage({ op: 'up', ids, buf, len: batch.byteLength }, [buf]);
    this.#busy();
  }

  drop(id: number, owner: object): void {
    this.#finalizer.unregister(owner);
    this.active--;
    this.post({ op: 'drop', id });
  }

  digest(id: number, owner: object): Promise<Buffer> {
    this.#finalizer.unregister(owner);
    this.active--;
    const req = this.#nextReq++;
    return new Promise((resolve) => {
      this.#digests.set(req, resolve);
      this.post({ op: 'digest', id, req });
      this.#busy();
    });
  }

  /**
   * The thread keeps the process alive while it owes an answer (bytes to acknowledge, a digest
   * to send): a script awaiting a digest must get it. Idle, it must not.
   */
  #busy(): void {
    if (this.#refed) return;
    this.#refed = true;
    this.#worker?.ref();
  }

  #idle(): void {
    if (!this.#refed || this.inFlight > 0 || this.#digests.size > 0) return;
    this.#refed = false;
    this.#worker?.unref();
  }

  /** An empty batch, reused when one is free. */
  batch(): Uint8Array {
    return this.#pool.pop() ?? new Uint8Array(BATCH);
  }

  /** Resolves once the bytes in flight are under the budget (at once when they are). */
  async belowLimit(): Promise<void> {
    while (this.inFlight > IN_FLIGHT_LIMIT) {
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
      });
    }
  }

  post(message: object): void {
    this.#thread().postMessage(message);
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    // Its heap holds a few hash states and the message in hand: keep it small, every process has one.
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 64 },
    });
    worker.on('message', (m: Message) => {
      if (m.op === 'ack') {
        this.inFlight -= m.len;
        if (this.#pool.length < POOL_MAX) this.#pool.push(new Uint8Array(m.buf));
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const wake of waiters) wake();
      } else {
        const resolve = this.#digests.get(m.req);
        this.#digests.delete(m.req);
        resolve?.(Buffer.from(m.digest));
      }
      this.#idle();
    });
    // Pending digests would never resolve: better to crash loudly than to hang uploads.
    worker.on('error', (err) => {
      throw err;
    });
    // An idle hashing thread must not keep the process alive. (After the listeners: adding a
    // 'message' listener refs a worker again.)
    worker.unref();
    this.#refed = false;
    this.#worker = worker;
    return worker;
  }
}

const thread = new HashThread();

/** Bytes gathered into batches for one or more states on the hashing thread. */
class Batches {
  readonly ids: number[];
  #batch: Uint8Array | undefined;
  #filled = 0;

  constructor(ids: number[]) {
    this.ids = ids;
  }

  add(data: Uint8Array): void {
    let at = 0;
    while (at < data.byteLength) {
      this.#batch ??= thread.batch();
      const n = Math.min(BATCH - this.#filled, data.byteLength - at);
      this.#batch.set(data.subarray(at, at + n), this.#filled);
      this.#filled += n;
      at += n;
      if (this.#filled === BATCH) this.flush();
    }
  }

  flush(): void {
    if (!this.#batch || this.#filled === 0) return;
    thread.update(this.ids, this.#batch.subarray(0, this.#filled));
    this.#batch = undefined;
    this.#filled = 0;
  }
}

/** Something bytes are fed to: one hash, or several fed from one copy (`OffThreadHash.feed`). */
export interface HashSink {
  update(data: Uint8Array): unknown;
}

/**
 * An incremental hash (sha256, sha1, md5) whose work is done on the hashing thread when the bytes
 * are many: a 1 GiB upload's sha256 then costs its main thread one copy of the bytes instead of
 * the hashing itself, which runs beside it on another core. A hash expected to see at most
 * `INLINE_LIMIT` bytes stays on this thread (a small upload never pays a round-trip), and so do
 * hashes made while `MAX_THREADED` others are on the hashing thread. `update`
 * copies what it is given into the next batch, so callers may reuse their buffers; each hash holds
 * at most one partial batch, so many uploads at once hold little.
 */
export class OffThreadHash implements HashSink {
  readonly #alg: string;
  /** the state, when it lives on this thread */
  readonly #inline: Hash | undefined;
  #id = 0;
  /** where its bytes are gathered (shared while it is part of a feed) */
  #batches: Batches | undefined;

  /**
   * `expected`: how many bytes it will see, when known (small: hashed here). `state`: an existing
   * state to wrap (a copy's).
   */
  constructor(alg: string, expected?: number, state?: Hash | number) {
    this.#alg = alg;
    if (typeof state === 'object') {
      this.#inline = state;
    } else if (
      state === undefined &&
      ((expected !== undefined && expected <= INLINE_LIMIT) || thread.active >= MAX_THREADED)
    ) {
      this.#inline = createHash(alg);
    } else {
      this.#id = state ?? thread.newState(alg);
      this.#batches = new Batches([this.#id]);
      thread.track(this, this.#id);
    }
  }

  /**
   * One sink for several hashes that see the same bytes: those on the hashing thread share one
   * copy of each batch (one transfer, and the second pass over it finds the bytes in the cache).
   * Each hash may still be copied or digested alone; afterwards the others go on sharing.
   */
  static feed(hashes: readonly OffThreadHash[]): HashSink {
    const inline = hashes.flatMap((h) => (h.#inline ? [h.#inline] : []));
    const threaded = hashes.filter((h) => h.#batches !== undefined);
    const first = threaded[0];
    let shared = first ? first.#batches : undefined;
    if (threaded.length > 1) {
      const joint = new Batches([]);
      for (const h of threaded) {
        h.#batches?.flush();
        h.#batches = joint;
        joint.ids.push(h.#id);
      }
      shared = joint;
    }
    return {
      update(data: Uint8Array) {
        for (const h of inline) h.update(data);
        shared?.add(data);
      },
    };
  }

  update(data: Uint8Array): this {
    if (this.#inline) this.#inline.update(data);
    else this.#batches?.add(data);
    return this;
  }

  /** A second hash that has seen the same bytes, and goes on independently. */
  copy(): OffThreadHash {
    if (this.#inline) return new OffThreadHash(this.#alg, undefined, this.#inline.copy());
    this.#batches?.flush();
    return new OffThreadHash(this.#alg, undefined, thread.copyState(this.#id));
  }

  /** The digest of every byte given; the hash is used up. */
  async digest(): Promise<Buffer> {
    if (this.#inline) return this.#inline.digest();
    this.#batches?.flush();
    this.#leave();
    return thread.digest(this.#id, this);
  }

  /**
   * Forgets a hash that will not be digested (a superseded or abandoned state): its state on the
   * hashing thread goes at once rather than at the next garbage collection, and it stops counting
   * against `MAX_THREADED` (abandoned states that still counted sent big uploads' hashing back to
   * the main thread). Nothing happens to a hash already digested or dropped.
   */
  drop(): void {
    if (!this.#batches) return;
    this.#leave();
    thread.drop(this.#id, this);
  }

  /** Leaves its batches: the others fed with it (if any) go on without it. */
  #leave(): void {
    const ids = this.#batches?.ids;
    ids?.splice(ids.indexOf(this.#id), 1);
    this.#batches = undefined;
  }

  /** Hash states living on the hashing thread now (neither digested nor dropped). */
  static get threaded(): number {
    return thread.active;
  }

  /**
   * When the hashing thread is behind by more than its budget, a promise of the moment it is
   * not (writers wait on it between chunks, which slows their sockets down); else undefined.
   */
  static backlog(): Promise<void> | undefined {
    return thread.inFlight > IN_FLIGHT_LIMIT ? thread.belowLimit() : undefined;
  }
}

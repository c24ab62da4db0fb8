const MiB = 2 ** 20;

/**
 * Bytes that all blob writes of a process may hold in memory together: received from their
 * sources and not yet written to disk. Nobody ever waits for the budget, so it cannot deadlock:
 * it only makes a write pause its source sooner. A write alone may read up to its own cap ahead
 * of the disk (which is what makes one big upload fast); once the writes together hold the
 * budget, each pauses as soon as it holds `minPerWrite`, and goes on as its own bytes reach the
 * disk. Memory stays near `total` + writes × `minPerWrite`, whatever the number of uploads.
 */
export class WriteBudget {
  /** bytes all writes may hold together before each is held to `minPerWrite` */
  readonly total: number;
  /** what every write may always hold, so each one keeps moving */
  readonly minPerWrite: number;
  #used = 0;
  #peak = 0;

  constructor(total = 8 * MiB, minPerWrite = 64 * 1024) {
    this.total = total;
    this.minPerWrite = minPerWrite;
  }

  /** bytes held now, by all writes */
  get used(): number {
    return this.#used;
  }

  /** the most ever held at once */
  get peak(): number {
    return this.#peak;
  }

  /** Whether a write holding `held` bytes should stop reading until some of them are on disk. */
  full(held: number): boolean {
    return held >= this.minPerWrite && this.#used >= this.total;
  }

  take(bytes: number): void {
    this.#used += bytes;
    if (this.#used > this.#peak) this.#peak = this.#used;
  }

  give(bytes: number): void {
    this.#used -= bytes;
  }
}

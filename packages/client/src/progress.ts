/** What onProgress receives. */
export interface Progress {
  /** bytes the server has confirmed */
  readonly bytesSent: number;
  /** undefined while a stream's length is unknown */
  readonly bytesTotal: number | undefined;
  /** bytes per second over the last few seconds */
  readonly rate: number;
  /** seconds left at that rate, when known */
  readonly eta: number | undefined;
}

const WINDOW_MS = 5_000;

/** Rate over a sliding window of samples, so a stall shows as a falling rate, not an average. */
export class ProgressMeter {
  readonly #samples: { t: number; bytes: number }[] = [];
  readonly #now: () => number;

  constructor(now: () => number = () => Date.now()) {
    this.#now = now;
  }

  update(bytesSent: number, bytesTotal: number | undefined): Progress {
    const t = this.#now();
    this.#samples.push({ t, bytes: bytesSent });
    while (this.#samples.length > 2 && t - (this.#samples[0] as { t: number }).t > WINDOW_MS) {
      this.#samples.shift();
    }
    const first = this.#samples[0] as { t: number; bytes: number };
    const dt = (t - first.t) / 1000;
    const rate = dt > 0 ? Math.max(0, bytesSent - first.bytes) / dt : 0;
    const eta = bytesTotal !== undefined && rate > 0 ? Math.max(0, bytesTotal - bytesSent) / rate : undefined;
    return { bytesSent, bytesTotal, rate, eta };
  }
}

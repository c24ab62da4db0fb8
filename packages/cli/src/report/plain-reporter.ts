import type { Progress } from '@depot/client';
import { bytes, eta, percent, rate } from '../format.js';
import { errorLine, type Reporter, type Summary } from './reporter.js';

const EVERY_MS = 2_000;

/** Not a terminal: a line per finished file, and a progress line every 2 s for long transfers. */
export class PlainReporter implements Reporter {
  readonly #last = new Map<string, number>();

  constructor(private readonly quiet = false) {}

  start(name: string): void {
    this.#last.set(name, Date.now());
  }

  progress(name: string, p: Progress): void {
    if (this.quiet) return;
    const now = Date.now();
    if (now - (this.#last.get(name) ?? 0) < EVERY_MS) return;
    this.#last.set(name, now);
    process.stdout.write(
      `${name}: ${percent(p.bytesSent, p.bytesTotal)} ${bytes(p.bytesSent)} at ${rate(p.rate)}, ETA ${eta(p.eta)}\n`,
    );
  }

  done(name: string, line: string): void {
    this.#last.delete(name);
    if (!this.quiet) process.stdout.write(`${line}\n`);
  }

  failed(name: string, message: string): void {
    this.#last.delete(name);
    errorLine(message);
  }

  error(message: string): void {
    errorLine(message);
  }

  finish(verb: string, s: Summary): void {
    if (this.quiet) return;
    process.stdout.write(`${summaryLine(verb, s)}\n`);
  }
}

export function summaryLine(verb: string, s: Summary): string {
  const speed = s.seconds > 0 ? `, ${rate(s.bytes / s.seconds)}` : '';
  const failed = s.failed > 0 ? `, ${s.failed} failed` : '';
  const stopped = s.interrupted ? ' (interrupted: run the same command again to resume)' : '';
  return `${s.ok} ${verb}${failed}; ${bytes(s.bytes)} in ${s.seconds.toFixed(1)} s${speed}${stopped}`;
}

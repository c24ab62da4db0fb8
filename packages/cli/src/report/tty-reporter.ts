import { type Progress, ProgressMeter } from '@depot/client';
import { bar, bytes, eta, percent, rate } from '../format.js';
import { summaryLine } from './plain-reporter.js';
import { errorLine, type Reporter, type Summary } from './reporter.js';

const FRAME_MS = 100;

/** A terminal: a bar per running file and one for the total, redrawn in place on stderr. */
export class TtyReporter implements Reporter {
  readonly #active = new Map<string, Progress>();
  readonly #meter = new ProgressMeter();
  #drawn = 0;
  #lastFrame = 0;
  #doneBytes = 0;
  #total = 0;
  #files = 0;
  #finished = 0;

  constructor(expectedTotal: number, files: number) {
    this.#total = expectedTotal;
    this.#files = files;
  }

  start(name: string, total: number | undefined): void {
    this.#active.set(name, { bytesSent: 0, bytesTotal: total, rate: 0, eta: undefined });
    this.#draw(true);
  }

  progress(name: string, p: Progress): void {
    this.#active.set(name, p);
    this.#draw(false);
  }

  done(name: string, line: string): void {
    this.#settle(name);
    this.#print(() => process.stdout.write(`${line}\n`));
  }

  failed(name: string, message: string): void {
    this.#settle(name);
    this.#print(() => errorLine(message));
  }

  error(message: string): void {
    this.#print(() => errorLine(message));
  }

  finish(verb: string, s: Summary): void {
    this.#clear();
    process.stdout.write(`${summaryLine(verb, s)}\n`);
  }

  #settle(name: string): void {
    this.#doneBytes += this.#active.get(name)?.bytesSent ?? 0;
    this.#finished++;
    this.#active.delete(name);
  }

  /** Prints a line above the bars. */
  #print(write: () => void): void {
    this.#clear();
    write();
    this.#draw(true);
  }

  #clear(): void {
    if (this.#drawn > 0) process.stderr.write(`\x1b[${this.#drawn}A\x1b[J`);
    this.#drawn = 0;
  }

  #draw(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.#lastFrame < FRAME_MS) return;
    this.#lastFrame = now;
    const width = Math.max(60, process.stderr.columns || 80);
    const lines: string[] = [];
    let sent = this.#doneBytes;
    for (const [name, p] of this.#active) {
      sent += p.bytesSent;
      lines.push(row(name, p, width));
    }
    const total = this.#meter.update(sent, this.#total);
    if (this.#files > 1) lines.push(row(`all ${this.#finished}/${this.#files}`, total, width));
    this.#clear();
    if (lines.length > 0) process.stderr.write(`${lines.join('\n')}\n`);
    this.#drawn = lines.length;
  }
}

function row(name: string, p: Progress, width: number): string {
  const stats = ` ${percent(p.bytesSent, p.bytesTotal).padStart(4)} ${bytes(p.bytesSent).padStart(10)} ${rate(p.rate).padStart(12)} ETA ${eta(p.eta).padStart(6)}`;
  const room = Math.max(10, width - 1 - stats.length - 23); // 23: a space and the 22-cell bar
  const label = name.length > room ? `…${name.slice(-(room - 1))}` : name.padEnd(room);
  return `${label} ${bar(p.bytesSent, p.bytesTotal, 20)}${stats}`.slice(0, width - 1);
}

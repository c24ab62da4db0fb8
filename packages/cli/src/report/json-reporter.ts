import type { Reporter, Summary } from './reporter.js';
import { errorLine } from './reporter.js';

/**
 * --json: one JSON object per line on stdout, per file and a summary at the end. The lines of one
 * turn of the event loop go out in one write (many small files finish together: one system call,
 * and one wake-up of whoever reads the pipe, instead of one per file); an exit writes what is left.
 */
export class JsonReporter implements Reporter {
  #pending = '';
  #scheduled = false;

  constructor() {
    process.once('exit', () => this.#flush());
  }

  start(): void {}

  progress(): void {}

  done(name: string, _line: string, record: Record<string, unknown>): void {
    this.#write({ file: name, ok: true, ...record });
  }

  failed(name: string, message: string, code: string | undefined): void {
    this.#write({ file: name, ok: false, error: { code: code ?? 'ERR_FAILED', message } });
    errorLine(message);
  }

  error(message: string, code: string): void {
    this.#write({ ok: false, error: { code, message } });
    errorLine(message);
  }

  finish(_verb: string, summary: Summary): void {
    this.#write({ summary });
    this.#flush();
  }

  #write(value: unknown): void {
    this.#pending += `${JSON.stringify(value)}\n`;
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#pending === '') return;
    process.stdout.write(this.#pending);
    this.#pending = '';
  }
}

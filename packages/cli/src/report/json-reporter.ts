import type { Reporter, Summary } from './reporter.js';
import { errorLine } from './reporter.js';

/** --json: one JSON object per line on stdout, per file and a summary at the end. */
export class JsonReporter implements Reporter {
  start(): void {}

  progress(): void {}

  done(name: string, _line: string, record: Record<string, unknown>): void {
    this.#write({ file: name, ok: true, ...record });
  }

  failed(name: string, message: string, code: string | undefined): void {
    this.#write({ file: name, ok: false, error: { code: code ?? 'ERR_FAILED', message } });
    errorLine(message);
  }

  finish(_verb: string, summary: Summary): void {
    this.#write({ summary });
  }

  #write(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value)}\n`);
  }
}

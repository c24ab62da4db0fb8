import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { keyDate, keySong } from './group-key.js';
import type { GroupSink } from './run-merge.js';
import type { Sum } from './sum.js';

const FLUSH_CHARS = 256 * 1024;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * Writes the report as CSV: LF line ends (as DuckDB and Unix tools write; RFC 4180 readers accept
 * them), a song quoted only when it holds a comma, a quote or a line break, quotes doubled inside.
 * Text is latin1 end to end (see group-key.ts), so the song's bytes come out exactly as they came in.
 */
export class CsvWriter implements GroupSink {
  private pending = '';
  /** An error the output emitted between writes (without a listener it would crash the process). */
  private failed: Error | undefined;
  rows = 0;

  constructor(
    private readonly output: Writable,
    private readonly signal: AbortSignal,
    header: string,
  ) {
    this.pending = header + '\n';
    output.on('error', (err) => {
      this.failed ??= err;
    });
  }

  push(key: string, sum: Sum): boolean {
    const song = keySong(key);
    const cell = NEEDS_QUOTES.test(song) ? '"' + song.replaceAll('"', '""') + '"' : song;
    this.pending += cell + ',' + keyDate(key) + ',' + sum + '\n';
    this.rows++;
    return this.pending.length > FLUSH_CHARS;
  }

  /** Hands the buffered text to the output, waiting while the output is over its high-water mark. */
  async flush(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(this.pending, 'latin1');
    this.pending = '';
    if (!this.output.write(chunk)) await once(this.output, 'drain', { signal: this.signal });
  }

  /** Flushes, ends the output and waits until it has taken everything. */
  async end(): Promise<void> {
    await this.flush();
    this.output.end();
    await finished(this.output, { readable: false, signal: this.signal });
  }
}

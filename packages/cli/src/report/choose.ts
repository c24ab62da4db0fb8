import { JsonReporter } from './json-reporter.js';
import { PlainReporter } from './plain-reporter.js';
import type { Reporter } from './reporter.js';
import { TtyReporter } from './tty-reporter.js';

/** --json, --quiet, a terminal, or plain lines. */
export function chooseReporter(
  flags: { json?: boolean; quiet?: boolean },
  totalBytes: number,
  files: number,
): Reporter {
  if (flags.json) return new JsonReporter();
  if (flags.quiet) return new PlainReporter(true);
  if (process.stderr.isTTY) return new TtyReporter(totalBytes, files);
  return new PlainReporter();
}

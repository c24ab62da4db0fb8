/** The exit codes of every command (DESIGN.md). */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** Wrong arguments: reported as one line and exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

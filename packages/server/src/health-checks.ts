/** A part that does not answer within this long is reported as failing (a hung connection). */
const CHECK_TIMEOUT_MS = 5_000;

/**
 * Runs every check at once and names each part's state: `ok`, or `failing: REASON`. Bounded in
 * time, so a load balancer's probe gets an answer even when a backend hangs rather than fails.
 */
export async function runChecks(
  checks: Record<string, () => Promise<void>>,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, string]> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([check(), timeout]);
        return [name, 'ok'];
      } catch (err) {
        return [name, `failing: ${err instanceof Error ? err.message : String(err)}`];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(entries);
}

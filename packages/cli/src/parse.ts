import { UsageError } from './exit-codes.js';

/** Runs a node:util parseArgs call, turning its errors into UsageErrors (exit 2). */
export function parsing<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    // `--chunk-size -5`: parseArgs reads -5 as an option, not as the value; say how to give it
    const ambiguous = /^Option '(--[\w-]+)' argument is ambiguous/.exec((err as Error).message);
    if (ambiguous)
      throw new UsageError(
        `${ambiguous[1]} needs a value (one starting with '-' goes as ${ambiguous[1]}=VALUE)`,
      );
    throw new UsageError(
      err instanceof Error ? (err.message.split(/\n|\. To specify/)[0] as string) : String(err),
    );
  }
}

/** `--url`, `--token` (and DEPOT_URL, DEPOT_TOKEN), shared by every command that talks to a server. */
export const connectionOptions = {
  url: { type: 'string' },
  token: { type: 'string' },
} as const;

/** `--json`, `--quiet` (and `--help`, which bin.ts answers before a command runs). */
export const outputOptions = {
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function connection(values: { url?: string; token?: string }, env = process.env) {
  const url = values.url ?? (env.DEPOT_URL || 'http://127.0.0.1:8080');
  if (!/^https?:\/\/[^/]/i.test(url)) throw new UsageError(`--url must be an http(s) URL, got ${url}`);
  return { url, token: values.token ?? (env.DEPOT_TOKEN || undefined) };
}

/** A positive whole number option, e.g. --parallel 4. */
export function positiveInt(name: string, value: string | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${name} must be a whole number ≥ 1, got ${value}`);
  return n;
}

const UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** A size like 8MiB, 512KB or 1048576 (bytes), of at least `min` (bytes, and as people write it). */
export function size(
  name: string,
  value: string | undefined,
  dflt: number | undefined,
  min: { bytes: number; text: string } = { bytes: 1, text: '1B' },
): number | undefined {
  if (value === undefined) return dflt;
  // a sign is read, so that `-5` is refused as too small rather than as not a size
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = UNITS[(m?.[2] || 'b').toLowerCase()];
  const bytes = m && unit ? Math.floor(Number(m[1]) * unit) : Number.NaN;
  if (Number.isNaN(bytes)) throw new UsageError(`${name} must be a size like 8MiB, got ${value}`);
  if (bytes < min.bytes) throw new UsageError(`${name} must be at least ${min.text}, got ${value}`);
  return bytes;
}

const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration like 30s, 15m, 2h or 7d (a bare number is seconds), in whole seconds. */
export function seconds(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/.exec(value);
  const n = m ? Math.round(Number(m[1]) * (SECONDS[m[2] || 's'] ?? 1)) : Number.NaN;
  if (!(n >= 1)) throw new UsageError(`${name} must be a duration like 15m, 2h or 7d, got ${value}`);
  return n;
}

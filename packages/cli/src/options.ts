import { UsageError } from './exit-codes.js';

export { UsageError };

/** Command-line words split into positionals and `--name value` / `--name=value` options. */
export interface ParsedArgs {
  readonly positionals: string[];
  readonly options: Map<string, string>;
}

export function parseArgs(args: readonly string[], known: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const [flag, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (!known.includes(flag)) throw new UsageError(`unknown option --${flag}`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`--${flag} needs a value`);
    options.set(flag, value);
  }
  return { positionals, options };
}

/** Where the server is and who we are: --url/DEPOT_URL, --token/DEPOT_TOKEN. */
export interface Connection {
  readonly url: string;
  readonly token: string;
}

export function connection(options: Map<string, string>, env = process.env): Connection {
  const url = (options.get('url') ?? env.DEPOT_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const token = options.get('token') ?? env.DEPOT_TOKEN;
  if (!token) throw new UsageError('no token: pass --token TOKEN or set DEPOT_TOKEN');
  return { url, token };
}

import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built `depot` command (npm test builds before it runs the tests). */
export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/bin.js');

export interface CliRun {
  readonly child: ChildProcess;
  /** what it printed so far */
  readonly out: () => { stdout: string; stderr: string };
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Starts `depot ARGS` as a real process, stdout and stderr being pipes (not a terminal). */
export function startCli(args: string[], env: Record<string, string> = {}, cwd?: string): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, DEPOT_URL: '', DEPOT_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, out: () => ({ stdout, stderr }), done };
}

export const runCli = (args: string[], env: Record<string, string> = {}, cwd?: string) =>
  startCli(args, env, cwd).done;

/** The JSON lines of a --json run. */
export const jsonLines = (stdout: string): Record<string, unknown>[] =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

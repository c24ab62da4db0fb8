import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ResumeEntry, ResumeStore } from './resume-store.js';

/** `$XDG_CONFIG_HOME/depot` or `~/.config/depot`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'depot');
}

/**
 * A JSON file of unfinished uploads (`uploads.json` in the config dir). Every change re-reads
 * the file and replaces it atomically, so processes sharing it lose at most a racing entry —
 * which only costs that upload a fresh start.
 */
export class FileResumeStore implements ResumeStore {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string = path.join(configDir(), 'uploads.json')) {}

  async get(key: string): Promise<ResumeEntry | undefined> {
    return (await this.#read())[key];
  }

  set(key: string, entry: ResumeEntry): Promise<void> {
    return this.#change((all) => {
      all[key] = entry;
    });
  }

  delete(key: string): Promise<void> {
    return this.#change((all) => {
      delete all[key];
    });
  }

  #change(edit: (all: Record<string, ResumeEntry>) => void): Promise<void> {
    const next = this.#queue.then(async () => {
      const all = await this.#read();
      edit(all);
      await mkdir(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(all));
      await rename(tmp, this.file);
    });
    this.#queue = next.catch(() => {});
    return next;
  }

  async #read(): Promise<Record<string, ResumeEntry>> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as Record<string, ResumeEntry>;
    } catch {
      return {}; // missing or torn: start empty
    }
  }
}

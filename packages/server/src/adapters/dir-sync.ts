import { closeFd, openFd, syncFd } from './fd-io.js';

/** The directory calls DirSync makes; replaceable to observe the batching. */
export interface DirIo {
  open(): Promise<number>;
  sync(fd: number): Promise<void>;
  close(fd: number): Promise<void>;
}

/**
 * Makes new names in one directory durable, one `fsync` of the directory for many callers: a
 * caller waits for the next sync that *starts* after its call (one already running may have begun
 * before its file existed), and every caller that arrives while a sync runs shares the one after
 * it. Under load that is one directory sync per batch of new files instead of one per file, and
 * the directory stays open while syncs follow one another, closed once none has run for `idleMs`
 * (opening and closing it around every sync were two more thread-pool round trips per upload
 * whenever uploads arrive one at a time).
 */
export class DirSync {
  readonly #io: DirIo;
  /** the sync running now, if any */
  #running: Promise<void> | undefined;
  /** the sync that starts once the running one ends; everyone arriving meanwhile waits for it */
  #next: Promise<void> | undefined;
  #fd: Promise<number> | undefined;
  readonly #idleMs: number;
  #idle: NodeJS.Timeout | undefined;

  constructor(dir: string, io?: DirIo, idleMs = 1_000) {
    this.#io = io ?? { open: () => openFd(dir, 'r'), sync: syncFd, close: closeFd };
    this.#idleMs = idleMs;
  }

  /** Resolves once every name created in the directory before this call is durable. */
  sync(): Promise<void> {
    this.#next ??= (this.#running ?? Promise.resolve())
      .then(
        () => {},
        () => {},
      )
      .then(() => {
        // From here on, new callers need a later sync: this one may start before their file.
        this.#next = undefined;
        const run = this.#syncOnce();
        this.#running = run;
        return run.finally(() => {
          if (this.#running === run) this.#running = undefined;
        });
      });
    return this.#next;
  }

  async #syncOnce(): Promise<void> {
    clearTimeout(this.#idle);
    this.#fd ??= this.#io.open();
    const fd = this.#fd;
    try {
      await this.#io.sync(await fd);
    } catch (err) {
      // after a failure, the next sync reopens the directory
      await this.#close(fd);
      throw err;
    }
    if (this.#fd === fd && !this.#next) {
      this.#idle = setTimeout(() => void this.#close(fd), this.#idleMs);
      this.#idle.unref();
    }
  }

  async #close(fd: Promise<number>): Promise<void> {
    if (this.#fd === fd) this.#fd = undefined;
    await fd.then(this.#io.close).catch(() => {});
  }
}

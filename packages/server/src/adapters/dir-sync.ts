import { closeFd, openFd, syncFd } from './fd-io.js';

/**
 * Makes new names in one directory durable, one `fsync` of the directory for many callers: a
 * caller waits for the next sync that *starts* after its call (one already running may have begun
 * before its file existed), and every caller that arrives while a sync runs shares the one after
 * it. Under load that is one directory sync per batch of new files instead of one per file.
 */
export class DirSync {
  readonly #fsync: () => Promise<void>;
  /** the sync running now, if any */
  #running: Promise<void> | undefined;
  /** the sync that starts once the running one ends; everyone arriving meanwhile waits for it */
  #next: Promise<void> | undefined;

  /** `fsync` is the directory sync itself; replaceable to observe the batching. */
  constructor(dir: string, fsync: () => Promise<void> = () => syncDir(dir)) {
    this.#fsync = fsync;
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
        const run = this.#fsync();
        this.#running = run;
        return run.finally(() => {
          if (this.#running === run) this.#running = undefined;
        });
      });
    return this.#next;
  }
}

async function syncDir(dir: string): Promise<void> {
  const fd = await openFd(dir, 'r');
  try {
    await syncFd(fd);
  } finally {
    await closeFd(fd);
  }
}

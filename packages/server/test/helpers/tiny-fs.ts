import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A real, tiny filesystem (tmpfs of `size`), so a test can run a disk out of space.
 * Needs root, as the CI and development machines here have.
 */
export async function tinyFs(size: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'depot-tinyfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  return {
    dir,
    resize: (to: string) => execFileSync('mount', ['-o', `remount,size=${to}`, dir]),
    close: async () => {
      execFileSync('umount', ['-l', dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

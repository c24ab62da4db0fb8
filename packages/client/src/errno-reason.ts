/**
 * Why a file-system call failed, in a person's words: the errno text repeats the path and the
 * syscall, which the line that names the file already says.
 */
export function errnoReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'no space left on the device';
  return err instanceof Error ? err.message : String(err);
}

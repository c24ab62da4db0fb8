const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 20971520 → "20.0 MiB" (exact bytes stay available in a title). */
export function formatBytes(n: number | null): string {
  if (n === null) return '—';
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${UNITS[u]}`;
}

/** An ISO time as the reader's local date and time. */
export function formatTime(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

/** Milliseconds as "1h 2m", "3m 4s" or "5.6s". */
export function formatDuration(ms: number | null): string {
  if (ms === null || ms < 0) return '—';
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.floor(s % 60)}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

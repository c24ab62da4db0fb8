/** 1.5 GiB, 12.0 MiB, 512 B */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

export const rate = (bytesPerSecond: number): string => `${bytes(Math.round(bytesPerSecond))}/s`;

/** 1h02m, 3m05s, 12s, or -- when unknown */
export function eta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--';
  const s = Math.ceil(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** `[#######.......]` of `width` cells */
export function bar(done: number, total: number | undefined, width: number): string {
  if (!total) return `[${'?'.repeat(width)}]`;
  const full = Math.min(width, Math.floor((done / total) * width));
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

export const percent = (done: number, total: number | undefined): string =>
  total ? `${Math.floor((done / total) * 100)}%` : '?%';

/** One scrape of /metrics: each sample's value by its name and labels, as Prometheus writes them. */
export interface Scrape {
  readonly text: string;
  /** the value of `name` with exactly `labels` (0 when the series is absent, as a counter not yet moved) */
  value(name: string, labels?: Record<string, string>): number;
}

/** Prometheus text format: `name{a="x",b="y"} 12` lines (comments skipped). */
export function parseScrape(text: string): Scrape {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    samples.set(key(m[1] as string, labels), Number(m[3]));
  }
  return { text, value: (name, labels = {}) => samples.get(key(name, labels)) ?? 0 };
}

function key(name: string, labels: Record<string, string | undefined>): string {
  const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
  return `${name}{${sorted.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

/** Fetches and parses `${url}/metrics`. */
export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`, { headers });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${await res.text()}`);
  return parseScrape(await res.text());
}

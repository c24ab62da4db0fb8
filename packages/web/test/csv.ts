/** A csv-report input of `rows` good rows and one bad one (line 4), and the report Depot must make of it (computed here). */
export function reportCase(rows: number): { input: Buffer; expected: string } {
  const lines = ['Song,Date,Number of Plays'];
  const sums = new Map<string, number>();
  for (let i = 0; i < rows; i++) {
    const song = `Song ${(i * 7) % 13}`;
    const date = `2024-01-${String(1 + (i % 5)).padStart(2, '0')}`;
    const plays = (i * 31) % 100;
    lines.push(`${song},${date},${plays}`);
    const key = `${song},${date}`;
    sums.set(key, (sums.get(key) ?? 0) + plays);
  }
  // One bad row (a field short): an error record, and the job goes on.
  lines.splice(3, 0, 'Broken row,2024-01-01');
  const sorted = [...sums.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const out = ['Song,Date,Total Number of Plays for Date', ...sorted.map((k) => `${k},${sums.get(k)}`)];
  return { input: Buffer.from(`${lines.join('\n')}\n`), expected: `${out.join('\n')}\n` };
}

/** A large csv-report input (≈ 25 bytes a row), for a job that runs long enough to cancel. */
export function bigReportInput(rows: number): Buffer {
  const parts = ['Song,Date,Number of Plays\n'];
  for (let i = 0; i < rows; i++)
    parts.push(`Song ${i % 5000},2020-03-${String(1 + (i % 28)).padStart(2, '0')},${i % 1000}\n`);
  return Buffer.from(parts.join(''));
}

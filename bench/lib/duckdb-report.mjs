// The anchor of the csv-report benchmarks: DuckDB running the same aggregation to CSV.
import { DuckDBInstance } from '@duckdb/node-api';

/** Runs the report query from `input` to `output`; returns its seconds and the open connection. */
export async function duckdbReport(input, output) {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const q = (s) => `'${s.replaceAll("'", "''")}'`;
  const started = performance.now();
  // Dates read as text (the processor keeps their bytes); sum of BIGINT is HUGEINT, so exact.
  await con.run(`
    COPY (
      SELECT "Song", "Date", sum("Number of Plays") AS "Total Number of Plays for Date"
      FROM read_csv(${q(input)}, header = true, auto_detect = false,
                    columns = {'Song': 'VARCHAR', 'Date': 'VARCHAR', 'Number of Plays': 'BIGINT'})
      GROUP BY "Song", "Date" ORDER BY "Song", "Date"
    ) TO ${q(output)} (HEADER, DELIMITER ',')`);
  return { seconds: (performance.now() - started) / 1000, con, q };
}

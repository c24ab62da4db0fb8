// csv-import into Postgres (issue 7, benchmark 2), beside its anchor measured in the same run:
//   Depot    a csv-import job on a real `depot serve` whose metadata store is Postgres (blobs on
//            tmpfs), input uploaded first; from POST /api/jobs to the completed state: parse,
//            validate every row, COPY batches into the job's staging table with the checkpoint,
//            then the upsert into the dataset at commit. Twice: upserted on `id` (the keyed
//            dataset of bench/jobs.mjs) and with no key (appended).
//   anchor   a bare COPY of the same CSV file (`copy … from stdin (format csv, header)`, through
//            pg-copy-streams from the file) into a plain table of the same column types in the
//            same Postgres: no validation, no staging, no index.
// Also shown: when the job was first seen to have read all its input (the rest is the last batch
// and the commit: the swap and its index builds), and the CPU seconds of the database's backends
// (/proc, so Postgres must run on this machine; parallel index-build workers not counted) and of
// all Postgres processes (workers, WAL writer and checkpointer included, and whatever else uses
// this Postgres meanwhile).
// Target: Depot ≥ 1,000,000 rows/s. Each case once per rep, interleaved; a fresh database per run.
//
//   npm run build && node bench/pg-import.mjs [--rows 5000000] [--reps 1] [--profile]
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import copyStreams from 'pg-copy-streams';
import { argValue, median, printHeading, procCpu, SHM, startDepot, table, verdict } from './lib/harness.mjs';
import { call, PEOPLE, peopleFile, timedJob, upload } from './lib/job-client.mjs';
import { benchDatabase, withPg } from './lib/scaled-out.mjs';

const rows = Number(argValue('--rows', '5000000'));
const reps = Number(argValue('--reps', '1'));
await mkdir(SHM, { recursive: true });
const file = await peopleFile(path.join(SHM, `import-${rows}.csv`), rows);

/**
 * CPU seconds of the Postgres backends connected to database `name` (the ones on this machine):
 * a load-robust measure of the database's share. Parallel index-build workers are not counted.
 */
function pgCpu(name) {
  let sum = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      if (cmd.startsWith('postgres: ') && cmd.includes(` ${name} `)) sum += procCpu(pid);
    } catch {
      // the process ended meanwhile
    }
  }
  return sum;
}

/** The postmaster's pid (the parent of the backend `c` is connected to). */
async function postmasterOf(c) {
  const { rows: r } = await c.query('select pg_backend_pid() as pid');
  const stat = readFileSync(`/proc/${r[0].pid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/**
 * CPU seconds of all the processes of the Postgres whose postmaster is `pm`: its own, its reaped
 * children's (exited backends and parallel workers) and its living children's.
 */
function pgAllCpu(pm) {
  const stat = readFileSync(`/proc/${pm}/stat`, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let sum = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
      if (Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]) === pm) sum += procCpu(pid);
    } catch {
      // the process ended meanwhile
    }
  }
  return sum;
}

/** A fresh database for one run, dropped afterwards. */
async function withDatabase(fn) {
  const db = await benchDatabase();
  try {
    return await fn(db.url);
  } finally {
    await db.drop();
  }
}

async function bareCopy() {
  return withDatabase((url) =>
    withPg(url, async (c) => {
      await c.query('create table t (c0 bigint, c1 text, c2 double precision, c3 text, c4 boolean)');
      const name = new URL(url).pathname.slice(1);
      const pm = await postmasterOf(c);
      const pg0 = pgCpu(name);
      const all0 = pgAllCpu(pm);
      const t0 = performance.now();
      await pipeline(
        createReadStream(file, { highWaterMark: 1 << 20 }),
        c.query(copyStreams.from('copy t from stdin (format csv, header true)')),
      );
      const seconds = (performance.now() - t0) / 1000;
      const pg = pgCpu(name) - pg0;
      const pgAll = pgAllCpu(pm) - all0;
      const { rows: n } = await c.query('select count(*)::int as n from t');
      if (n[0].n !== rows) throw new Error(`bare COPY loaded ${n[0].n} rows`);
      return { seconds, cpu: Number.NaN, pg, pgAll, readSeconds: Number.NaN };
    }),
  );
}

async function depotImport(keys) {
  return withDatabase(async (url) => {
    const depot = await startDepot({ DEPOT_WORKERS: '1', DEPOT_DATABASE_URL: url });
    try {
      const fileId = await upload(depot.url, file);
      await call(depot.url, 'POST', '/api/datasets', { name: 'people', columns: PEOPLE, keys });
      const name = new URL(url).pathname.slice(1);
      const pm = await withPg(url, postmasterOf);
      const pg0 = pgCpu(name);
      const all0 = pgAllCpu(pm);
      const run = await timedJob(depot, 'csv-import', fileId, { dataset: 'people' });
      run.pg = pgCpu(name) - pg0;
      run.pgAll = pgAllCpu(pm) - all0;
      const p = run.job.progress;
      if (p.rowsDone !== rows || p.errorCount !== 0) throw new Error(JSON.stringify(run.job));
      const count = await withPg(url, async (c) => {
        const ds = await c.query("select id from datasets where name = 'people'");
        return c.query(`select count(*)::int as n from ds_${ds.rows[0].id}`);
      });
      if (count.rows[0].n !== rows) throw new Error(`the dataset holds ${count.rows[0].n} rows`);
      return run;
    } finally {
      await depot.stop();
    }
  });
}

const cases = {
  'Depot csv-import job, upsert on id': () => depotImport(['id']),
  'Depot csv-import job, no key (append)': () => depotImport([]),
  'bare COPY of the file (anchor)': bareCopy,
};
const runs = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let r = 0; r < reps; r++) {
  for (const [name, run] of Object.entries(cases)) runs[name].push(await run());
}

const rate = (s) => `${Math.round(rows / s).toLocaleString('en-US')} rows/s`;
const anchor = median(runs['bare COPY of the file (anchor)'].map((r) => r.seconds));
printHeading('pg-import');
console.log(
  `\ncsv-import into Postgres, ${rows.toLocaleString('en-US')} rows (5 typed columns), median of ${reps}\n`,
);
table(
  [
    'case',
    'wall time',
    'throughput',
    'input read at',
    'Depot CPU s',
    'Postgres backends CPU s',
    'all Postgres CPU s',
    'vs bare COPY',
    'all runs (s)',
  ],
  Object.entries(runs).map(([name, rs]) => {
    const s = median(rs.map((r) => r.seconds));
    const cpu = median(rs.map((r) => r.cpu));
    const read = median(rs.map((r) => r.readSeconds));
    return [
      name,
      `${s.toFixed(2)} s`,
      rate(s),
      Number.isNaN(read) ? '—' : `${read.toFixed(2)} s`,
      Number.isNaN(cpu) ? '—' : cpu.toFixed(2),
      median(rs.map((r) => r.pg)).toFixed(2),
      median(rs.map((r) => r.pgAll)).toFixed(2),
      `${(s / anchor).toFixed(2)}x`,
      rs.map((r) => r.seconds.toFixed(2)).join(' '),
    ];
  }),
);
for (const name of Object.keys(cases).slice(0, 2)) {
  const s = median(runs[name].map((r) => r.seconds));
  console.log(`\n- ${name}: ≥ 1,000,000 rows/s: ${verdict(rows / s >= 1e6)} (${rate(s)})`);
}

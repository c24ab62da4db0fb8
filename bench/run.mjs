// Runs benchmarks one after another (never two at once: they would measure each other).
//
//   node bench/run.mjs                      every bench/*.mjs
//   node bench/run.mjs small-uploads upload-1gib -- --reps 5   some, with arguments for each
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const names = dash >= 0 ? argv.slice(0, dash) : argv;
const passed = dash >= 0 ? argv.slice(dash + 1) : [];
const all = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs')
  .map((f) => f.replace(/\.mjs$/, ''));
let failed = 0;
for (const name of names.length ? names : all) {
  if (!all.includes(name)) {
    console.error(`no benchmark ${name}; there are: ${all.join(', ')}`);
    process.exit(2);
  }
  console.log(`\n### ${name}\n`);
  const r = spawnSync(process.execPath, [path.join(here, `${name}.mjs`), ...passed], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);

// Where a CPU profile's time goes: self time by package/file and by function, from a .cpuprofile
// written by `node --cpu-prof` (the benchmarks' --profile flag).
//
//   node bench/lib/profile-summary.mjs bench/.work/prof/CPU.*.cpuprofile [--top 25]
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 25;
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
// self time of each node: the sampled time deltas attributed to it
const self = new Map();
prof.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);

// group by where the code lives: a package in node_modules, Depot's own dist file, or node itself
const where = (url) => {
  if (!url) return '(native / gc / idle)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const own = /packages\/([^/]+)\/dist\/(.+)$/.exec(url);
  if (own) return `depot ${own[1]}/${own[2]}`;
  if (url.startsWith('node:')) return url;
  return url;
};
const add = (map, key, v) => map.set(key, (map.get(key) ?? 0) + v);
const byWhere = new Map();
const byFn = new Map();
for (const [id, t] of self) {
  const { callFrame: cf } = byId.get(id);
  add(byWhere, where(cf.url), t);
  add(byFn, `${cf.functionName || '(anonymous)'}  ${where(cf.url)}:${cf.lineNumber + 1}`, t);
}
const show = (title, map) => {
  console.log(`\n${title}`);
  for (const [k, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `${((100 * t) / total).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(6)} ms  ${k}`,
    );
  }
};
// inclusive ("total") time of Depot's own functions: each sample counts once for every distinct
// Depot function on its stack, so this shows which of our calls the time is spent under
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map();
prof.samples.forEach((id, i) => {
  const seen = new Set();
  for (let n = id; n !== undefined; n = parent.get(n)) {
    const { callFrame: cf } = byId.get(n);
    if (!/packages\/[^/]+\/dist\//.test(cf.url)) continue;
    seen.add(`${cf.functionName || '(anonymous)'}  ${where(cf.url)}:${cf.lineNumber + 1}`);
  }
  for (const k of seen) add(inclusive, k, prof.timeDeltas[i] ?? 0);
});
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`);
show('self time by package / file', byWhere);
show('self time by function', byFn);
show("inclusive time by Depot's own functions", inclusive);

// Bundles src/main.ts (and the CSS it imports) into dist/assets/ with hashed names, then writes
// dist/index.html naming them. Hashed names let the server cache assets for a year.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
await rm(dist, { recursive: true, force: true });
const result = await build({
  entryPoints: [path.join(here, 'src/main.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  outdir: path.join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((o) => path.basename(o));
const js = outputs.find((o) => o.endsWith('.js'));
const css = outputs.find((o) => o.endsWith('.css'));
if (!js || !css) throw new Error(`esbuild did not emit both JS and CSS: ${outputs.join(', ')}`);
const template = await readFile(path.join(here, 'src/index.html'), 'utf8');
const html = template.replace('%CSS%', `/assets/${css}`).replace('%JS%', `/assets/${js}`);
await writeFile(path.join(dist, 'index.html'), html);

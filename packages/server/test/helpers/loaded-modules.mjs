// Preloaded into a `depot serve` child (`node --import`) by lazy-modules.test.ts: every ES module
// the process loads is appended to DEPOT_TEST_MODULES_OUT as it loads (a loader hook), and on
// SIGUSR2 the CommonJS modules loaded so far are appended, then a line `done`.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const out = process.env.DEPOT_TEST_MODULES_OUT;
if (out) {
  register(new URL('./loaded-modules-hook.mjs', import.meta.url), { data: { out } });
  const cache = createRequire(import.meta.url).cache;
  process.on('SIGUSR2', () => appendFileSync(out, `${Object.keys(cache).join('\n')}\ndone\n`));
}

import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

it('depot --version prints the version of the depot package and exits 0', async () => {
  const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
  for (const flag of ['--version', '-V', 'version']) {
    const run = await runCli([flag]);
    expect(run).toEqual({ code: 0, stdout: `depot ${version}\n`, stderr: '' });
  }
});

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/browser.ts');

describe('the browser entry', () => {
  it('bundles for the browser with no Node built-in in it', async () => {
    const out = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(out.errors).toEqual([]);
    const inputs = Object.keys(out.metafile.inputs);
    expect(inputs.some((f) => f.endsWith('browser.ts'))).toBe(true);
    expect(inputs.filter((f) => f.startsWith('node:') || /(^|\/)node-/.test(f))).toEqual([]);
    const code = out.outputFiles[0]?.text ?? '';
    expect(code).toMatch(/DepotClient\d* = class extends BaseClient/);
    expect(code).not.toMatch(/from\s*["']node:|require\(["']node:/);
  });

  it('fails the check for an entry that imports a Node built-in (the check can fail)', async () => {
    const node = path.resolve(path.dirname(entry), 'index.ts');
    await expect(
      build({ entryPoints: [node], bundle: true, platform: 'browser', write: false, logLevel: 'silent' }),
    ).rejects.toThrow(/node:/);
  });
});

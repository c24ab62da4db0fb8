#!/usr/bin/env node
import { createRequire } from 'node:module';
import { COMMANDS } from './commands/index.js';
import { EXIT, UsageError } from './exit-codes.js';

const usage = () =>
  `usage: depot <command> [options]   (depot <command> --help for more; depot --version)\n\ncommands:\n${COMMANDS.map((c) => `  ${c.summary}`).join('\n')}\n`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
    process.stdout.write(`depot ${pkg.version}\n`);
    return EXIT.ok;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`depot: unknown command ${name}\n${usage()}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.usage);
    return EXIT.ok;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`depot ${name}: ${err.message} (see depot ${name} --help)\n`);
      return EXIT.usage;
    }
    throw err;
  }
}

// The reader went away (`depot jobs errors ID | head`): stop quietly, as a Unix tool would.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(EXIT.ok);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`depot: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(EXIT.failed);
  },
);

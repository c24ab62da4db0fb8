import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ClientCodes, DepotError } from '@depot/client';
import { UsageError } from './exit-codes.js';

/** The id in an ID argument, which may also be the file's full URL (a link's `?link=` aside). */
export const idOf = (arg: string): string => path.basename(new URL(arg, 'http://x/').pathname);

/**
 * Where `depot download` writes: `-o PATH`; into `-o DIR` (an existing directory) under the
 * file's name, as `curl -O --output-dir` does; or `./ID` without -o.
 */
export async function downloadDestination(
  output: string | undefined,
  arg: string,
  nameOf: (id: string) => Promise<string | null | undefined>,
): Promise<string> {
  const id = idOf(arg);
  if (output === undefined) {
    if (!id) throw new UsageError('give a destination with -o PATH');
    return id;
  }
  const st = await stat(output).catch(() => undefined);
  if (st?.isDirectory()) {
    const name = baseName(await nameOf(id).catch(() => undefined)) ?? id;
    if (!name) throw new UsageError('give a file name with -o DIR/NAME');
    return path.join(output, name);
  }
  // `-o out/` means a directory: never a file named `out`
  if (/[/\\]$/.test(output))
    throw new DepotError(ClientCodes.destination, undefined, `${output}: no such directory`);
  return output;
}

/**
 * The last part of a name the uploader chose, or undefined when nothing safe is left: it must not
 * climb out of the directory (`../x`), name it (`.`, `..`) or hold a control character.
 */
export function baseName(name: string | null | undefined): string | undefined {
  const last = name?.split(/[/\\]/).pop()?.trim();
  if (!last || last === '.' || last === '..' || /[\p{Cc}]/u.test(last)) return undefined;
  return last;
}

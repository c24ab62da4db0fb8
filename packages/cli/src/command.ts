/** One `depot` subcommand. Each lives in commands/ and is listed once in commands/index.ts. */
export interface Command {
  readonly name: string;
  /** one line for `depot --help` */
  readonly summary: string;
  /** full usage for `depot NAME --help` */
  readonly usage: string;
  /** runs with the arguments after the command name; resolves to the exit code */
  run(args: string[]): Promise<number>;
}

import { type Compilable, CompiledQuery, type Kysely, type QueryResult } from 'kysely';

/** How many query shapes keep their SQL text (an update's shape is its set of columns). */
const MAX_TEMPLATES = 100;

/** Stands in for a named value while a shape is compiled, so its parameter slots can be found. */
class Slot {
  constructor(readonly name: string) {}
}

interface Template {
  readonly sql: string;
  /** the value names in parameter order */
  readonly names: readonly string[];
}

/**
 * Hot queries built and compiled by Kysely once per shape, then run from their SQL text with new
 * parameters: building and compiling a query cost more CPU than SQLite took to run it. The SQL is
 * whatever the dialect compiled (so it stays portable). A shape is compiled once with a stand-in
 * for each named value; it becomes a template only if every compiled parameter is one of those
 * stand-ins, which tells exactly where each value goes. Otherwise it is built anew every time.
 */
export class QueryTemplates {
  // biome-ignore lint/suspicious/noExplicitAny: runs queries of any schema; callers keep the types
  readonly #db: Kysely<any>;
  readonly #templates = new Map<string, Template | 'build'>();

  // biome-ignore lint/suspicious/noExplicitAny: as above
  constructor(db: Kysely<any>) {
    this.#db = db;
  }

  /**
   * Runs the query `build` makes from `values`. `key` names its shape: every call with one key
   * must build the same SQL, only the values may differ.
   */
  async run<P extends Record<string, unknown>, R>(
    key: string,
    values: P,
    build: (values: P) => Compilable<R>,
  ): Promise<QueryResult<R>> {
    let template = this.#templates.get(key);
    if (template === undefined) {
      template = this.#compile(values, build);
      if (this.#templates.size < MAX_TEMPLATES) this.#templates.set(key, template);
    }
    if (template === 'build') return this.#db.executeQuery(build(values).compile());
    const parameters = template.names.map((n) => values[n]);
    return this.#db.executeQuery<R>(CompiledQuery.raw(template.sql, parameters));
  }

  #compile<P extends Record<string, unknown>, R>(
    values: P,
    build: (values: P) => Compilable<R>,
  ): Template | 'build' {
    const slots = Object.fromEntries(Object.keys(values).map((k) => [k, new Slot(k)])) as unknown as P;
    const compiled = build(slots).compile();
    const names: string[] = [];
    for (const p of compiled.parameters) {
      if (!(p instanceof Slot)) return 'build';
      names.push(p.name);
    }
    return { sql: compiled.sql, names };
  }
}

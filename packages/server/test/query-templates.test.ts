import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { QueryTemplates } from '../src/adapters/sql/query-templates.js';

interface Db {
  t: { id: number; name: string; size: number | null };
}

let compiles: number;
let db: Kysely<Db>;
let templates: QueryTemplates;

beforeEach(async () => {
  const raw = new BetterSqlite3(':memory:');
  raw.exec('create table t (id integer primary key, name text not null, size integer)');
  db = new Kysely<Db>({ dialect: new SqliteDialect({ database: raw }) });
  templates = new QueryTemplates(db);
  compiles = 0;
  for (let id = 1; id <= 4; id++)
    await db
      .insertInto('t')
      .values({ id, name: `n${id}`, size: id * 10 })
      .execute();
});
afterEach(() => db.destroy());

/** Counts how often a query is built, to see whether the template was used. */
const counted =
  <P, Q>(build: (v: P) => Q) =>
  (v: P): Q => {
    compiles++;
    return build(v);
  };

const update = (values: { name: string; size: number | null; whereId: number; whereSize: number }) =>
  templates.run(
    'update name,size if size',
    values,
    counted((v) =>
      db
        .updateTable('t')
        .set({ name: v.name, size: v.size })
        .where('id', '=', v.whereId)
        .where('size', '=', v.whereSize),
    ),
  );

it('builds a shape once and puts each later value in its own slot', async () => {
  // equal values in the first call must not confuse which slot is which
  expect(Number((await update({ name: 'a', size: 20, whereId: 2, whereSize: 20 })).numAffectedRows)).toBe(1);
  expect(Number((await update({ name: 'b', size: null, whereId: 3, whereSize: 30 })).numAffectedRows)).toBe(
    1,
  );
  expect(Number((await update({ name: 'c', size: 1, whereId: 4, whereSize: 999 })).numAffectedRows)).toBe(0);
  expect(compiles).toBe(1); // the stand-ins' build; every run since used the template
  expect(await db.selectFrom('t').selectAll().orderBy('id').execute()).toEqual([
    { id: 1, name: 'n1', size: 10 },
    { id: 2, name: 'a', size: 20 },
    { id: 3, name: 'b', size: null },
    { id: 4, name: 'n4', size: 40 },
  ]);
});

it('returns the rows of a templated select', async () => {
  const byId = (id: number) =>
    templates.run('by id', { id }, (v) => db.selectFrom('t').select(['name', 'size']).where('id', '=', v.id));
  expect((await byId(2)).rows).toEqual([{ name: 'n2', size: 20 }]);
  expect((await byId(4)).rows).toEqual([{ name: 'n4', size: 40 }]);
  expect((await byId(9)).rows).toEqual([]);
});

it('builds anew every time a shape whose parameters are not plain values', async () => {
  // the value is computed from, not passed through: no slot can stand in for it
  const bySize = (size: number) =>
    templates.run(
      'by size * 10',
      { size },
      counted((v) =>
        db
          .selectFrom('t')
          .select('id')
          .where('size', '=', Number(v.size) * 10),
      ),
    );
  expect((await bySize(1)).rows).toEqual([{ id: 1 }]);
  expect((await bySize(3)).rows).toEqual([{ id: 3 }]);
  expect(compiles).toBe(3); // the stand-ins' attempt, then a real build per run
});

import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StatementCache } from '../src/adapters/sql/statement-cache.js';

interface Db {
  t: { id: number; name: string };
}

describe('StatementCache', () => {
  let raw: BetterSqlite3.Database;
  let prepared: string[];
  let cache: StatementCache;
  let db: Kysely<Db>;

  beforeEach(() => {
    raw = new BetterSqlite3(':memory:');
    raw.exec('create table t (id integer primary key, name text not null)');
    prepared = [];
    // counts the real prepares behind the cache
    const counting = {
      prepare: (sql: string) => {
        prepared.push(sql);
        return raw.prepare(sql);
      },
      close: () => raw.close(),
    };
    cache = new StatementCache(counting, 3);
    db = new Kysely<Db>({ dialect: new SqliteDialect({ database: cache }) });
  });
  afterEach(async () => {
    await db.destroy();
  });

  const byId = (id: number) => db.selectFrom('t').select('name').where('id', '=', id).executeTakeFirst();

  it('prepares a query once and answers each run with its own parameters', async () => {
    for (let i = 1; i <= 5; i++)
      await db
        .insertInto('t')
        .values({ id: i, name: `n${i}` })
        .execute();
    expect((await byId(2))?.name).toBe('n2');
    expect((await byId(4))?.name).toBe('n4');
    expect(await byId(9)).toBeUndefined();
    await db.updateTable('t').set({ name: 'changed' }).where('id', '=', 4).execute();
    expect((await byId(4))?.name).toBe('changed');
    const texts = new Set(prepared);
    expect(prepared.length).toBe(texts.size);
    expect(prepared.filter((s) => s.startsWith('select')).length).toBe(1);
  });

  it('keeps at most `max` statements, dropping the least recently used', async () => {
    await db.insertInto('t').values({ id: 1, name: 'a' }).execute();
    const q1 = () => db.selectFrom('t').select('id').execute();
    const q2 = () => db.selectFrom('t').select('name').execute();
    const q3 = () => db.selectFrom('t').selectAll().execute();
    await q1();
    await q2();
    await q3(); // insert, q1, q2, q3: the insert is evicted
    expect(cache.size).toBe(3);
    await q1(); // reused, now the most recent
    const before = prepared.length;
    await db.insertInto('t').values({ id: 2, name: 'b' }).execute(); // evicts q2
    await q1();
    await q3();
    expect(prepared.length).toBe(before + 1);
    await q2();
    expect(prepared.length).toBe(before + 2);
    expect(await q2()).toEqual([{ name: 'a' }, { name: 'b' }]);
  });

  it('streams a select with a cached statement and runs it again afterwards', async () => {
    for (let i = 1; i <= 3; i++)
      await db
        .insertInto('t')
        .values({ id: i, name: `n${i}` })
        .execute();
    const names: string[] = [];
    for await (const row of db.selectFrom('t').select('name').orderBy('id').stream()) names.push(row.name);
    expect(names).toEqual(['n1', 'n2', 'n3']);
    expect(await db.selectFrom('t').select('name').orderBy('id').execute()).toHaveLength(3);
  });

  it('sees a schema change through a statement prepared before it', async () => {
    await db.insertInto('t').values({ id: 1, name: 'a' }).execute();
    expect(await db.selectFrom('t').selectAll().execute()).toEqual([{ id: 1, name: 'a' }]);
    raw.exec("alter table t add column extra text not null default 'x'");
    expect(await db.selectFrom('t').selectAll().execute()).toEqual([{ id: 1, name: 'a', extra: 'x' }]);
  });
});

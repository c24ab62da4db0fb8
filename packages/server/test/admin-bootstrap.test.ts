import { expect, it } from 'vitest';
import { PostgresMetadataStore } from '../src/adapters/postgres-metadata-store.js';
import { TokenService } from '../src/core/tokens.js';
import { createTestDatabase } from './helpers/postgres.js';

it('registers DEPOT_ADMIN_TOKEN once when several nodes start at the same instant on one database', async () => {
  const db = await createTestDatabase();
  const stores = await Promise.all([1, 2, 3].map(() => PostgresMetadataStore.open(db.url)));
  try {
    await stores[0]?.migrate();
    const token = 'the-configured-admin-token';
    const started = await Promise.all(
      stores.map((store) => new TokenService(store, Date.now).bootstrapAdmin(token)),
    );
    expect(started).toEqual(Array(3).fill({ token, generated: false }));
    const actor = await new TokenService(stores[1] as PostgresMetadataStore, Date.now).authenticate(
      token,
      '127.0.0.1',
    );
    expect(actor.admin).toBe(true);
  } finally {
    for (const s of stores) await s.close();
    await db.drop();
  }
});

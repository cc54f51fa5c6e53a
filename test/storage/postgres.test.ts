// The store contract (contract.ts) against the PostgreSQL engine, on a fresh database of
// the test server; each test gets a project of its own, with a pool of its own that
// closing the store ends (as a server with one project would have).
import { afterAll, beforeAll } from 'vitest';
import { openPostgresStore } from '../../src/storage/postgres/index.ts';
import { freshDatabase } from '../helpers/postgres.ts';
import { storeContract } from './contract.ts';

let database: Awaited<ReturnType<typeof freshDatabase>>;
let n = 0;

beforeAll(async () => {
  database = await freshDatabase();
});

afterAll(async () => {
  await database.drop();
});

storeContract('postgres', async ({ reservationMs }) => {
  const project = `contract-${n++}`;
  const store = await openPostgresStore({ url: database.url, project, reservationMs, create: true });
  return {
    store,
    reopen: () => openPostgresStore({ url: database.url, project, reservationMs }),
  };
});

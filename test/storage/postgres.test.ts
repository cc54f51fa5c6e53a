// The store contract (contract.ts) against the PostgreSQL engine, on a fresh database of
// the test server; each test gets a project of its own.
import { afterAll, beforeAll } from 'vitest';
import { PostgresDatabase, openProject } from '../../src/storage/postgres/index.ts';
import { freshDatabase } from '../helpers/postgres.ts';
import { storeContract } from './contract.ts';

let database: Awaited<ReturnType<typeof freshDatabase>>;
const pools: PostgresDatabase[] = [];
let n = 0;

beforeAll(async () => {
  database = await freshDatabase();
});

afterAll(async () => {
  for (const db of pools) await db.close();
  await database.drop();
});

storeContract('postgres', async ({ reservationMs }) => {
  const project = `contract-${n++}`;
  // A pool per project, as a server would have: closing the store leaves it, reopening uses a new one.
  const connect = async () => {
    const db = await PostgresDatabase.connect({ url: database.url });
    pools.push(db);
    return db;
  };
  const store = await openProject(await connect(), project, { reservationMs, create: true });
  return {
    store,
    reopen: async () => openProject(await connect(), project, { reservationMs }),
  };
});

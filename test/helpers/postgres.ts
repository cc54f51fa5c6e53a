// Real PostgreSQL for tests: the throwaway cluster the global setup started
// (postgresGlobalSetup.ts, pgCluster.ts), or the server of STORE_URL when that is set. Each
// test file takes a fresh database of its own (freshDatabase).
import pg from 'pg';
import { inject } from 'vitest';

export { freePort, TestCluster } from './pgCluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A URL of the test server's maintenance database (superuser), to create databases with. */
    postgresAdminUrl: string;
  }
}

let counter = 0;

/**
 * A new empty database on the test server (a URL to it) and a function that drops it.
 * `adminUrl` defaults to the one the global setup provides.
 */
export async function freshDatabase(adminUrl: string = inject('postgresAdminUrl')): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `ls_test_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

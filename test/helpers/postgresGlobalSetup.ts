// vitest global setup: one throwaway PostgreSQL cluster for the whole test run (or the
// server of STORE_URL when it is set), removed at the end. Test files get fresh databases
// on it through freshDatabase() in test/helpers/postgres.ts.
import type { TestProject } from 'vitest/node';
import { TestCluster } from './pgCluster.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.STORE_URL) {
    project.provide('postgresAdminUrl', process.env.STORE_URL);
    return async () => {};
  }
  const cluster = await TestCluster.create();
  project.provide('postgresAdminUrl', cluster.url());
  return () => cluster.destroy();
}

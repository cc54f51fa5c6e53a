// The PostgreSQL engine (STORE_URL=postgres://...): open a project on a database, or
// connect once and open several projects on the same pool.
import type { ProjectStore } from '../store.ts';
import { PostgresDatabase, type DatabaseOptions, type StoreLog } from './database.ts';
import { PostgresProjectStore } from './projectStore.ts';

export { PostgresDatabase, type DatabaseOptions, type StoreLog } from './database.ts';
export { PostgresProjectStore, ProjectNotFoundError } from './projectStore.ts';
export { StoreUrlError, describeUrl } from './errors.ts';

export interface OpenPostgresOptions extends Omit<DatabaseOptions, 'url' | 'log'> {
  /** STORE_URL: postgres://user:password@host:port/database */
  url: string;
  /** The project's name (PROJECT). */
  project: string;
  /** How long next() keeps a task for its annotator (RESERVATION_SECONDS, in ms). */
  reservationMs: number;
  /** Create the project with the default settings and config when it is not there. */
  create?: boolean;
  log?: StoreLog;
}

/**
 * Connects (migrating the schema), opens one project, and returns its store; closing the
 * store closes the connection pool. To serve several projects, connect a PostgresDatabase
 * once and call openProject on it for each.
 */
export async function openPostgresStore(options: OpenPostgresOptions): Promise<ProjectStore> {
  const { project, reservationMs, create, ...dbOptions } = options;
  const db = await PostgresDatabase.connect(dbOptions);
  try {
    return await PostgresProjectStore.open(db, project, { create, reservationMs }, true);
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** Opens a project on a shared database; closing the store leaves the pool to its owner. */
export function openProject(db: PostgresDatabase, project: string, options: { reservationMs: number; create?: boolean }): Promise<PostgresProjectStore> {
  return PostgresProjectStore.open(db, project, options);
}

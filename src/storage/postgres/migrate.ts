// Versioned migrations: migrations/NNN_name.sql, applied in order, each in its own
// transaction together with its row in schema_migrations. Every server runs this at start
// under one advisory lock, so two servers starting together never race: the second waits,
// then finds everything applied.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** The advisory lock key of migrations ("labelstr" as a number), the same for every server. */
export const MIGRATION_LOCK_KEY = 0x6c6162656c737472n;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort();
  const out: Migration[] = [];
  for (const f of files) {
    const version = Number(f.slice(0, f.indexOf('_')));
    if (out.some((m) => m.version === version)) throw new Error(`Two migrations numbered ${version} in ${dir}`);
    out.push({ version, name: f.replace(/\.sql$/, ''), sql: await readFile(dir + f, 'utf8') });
  }
  return out.sort((a, b) => a.version - b.version);
}

/**
 * Applies the migrations the database lacks, on one connection, under the advisory lock.
 * Returns the versions it applied. Refuses a database migrated by a newer server.
 */
export async function migrate(client: pg.ClientBase, migrations: Migration[]): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    const applied = new Set(rows.map((r) => r.version));
    const known = Math.max(0, ...migrations.map((m) => m.version));
    const newest = Math.max(0, ...applied);
    if (newest > known) {
      throw new Error(`The database's schema is at version ${newest}, newer than this server knows (${known}): upgrade the server, or use another database.`);
    }
    const done: number[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw new Error(`Migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      done.push(m.version);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]).catch(() => {});
  }
}

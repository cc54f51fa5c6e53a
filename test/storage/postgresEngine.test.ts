// What only the PostgreSQL engine has to show: several processes on one database
// (reservations decided in the database, migrations under the advisory lock), and a
// database that is wrong, down, or goes away while serving (a 503 naming STORE_URL, no
// hang, and recovery without a restart).
import { execFile as execFileCb, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.ts';
import type { ProjectStore } from '../../src/storage/store.ts';
import { openPostgresStore, openProject, PostgresDatabase, ProjectNotFoundError, StoreUrlError } from '../../src/storage/postgres/index.ts';
import { readMigrations } from '../../src/storage/postgres/migrate.ts';
import { freePort, freshDatabase, TestCluster } from '../helpers/postgres.ts';

const execFile = promisify(execFileCb);
const repo = fileURLToPath(new URL('../..', import.meta.url));

let database: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** Rejects if p takes longer than ms: a call that hangs fails the test instead of stalling it. */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))]);
}

async function addTexts(store: ProjectStore, n: number): Promise<void> {
  for (let done = 0; done < n; done += 1000) {
    const size = Math.min(1000, n - done);
    await store.addTasks((first) => ({ tasks: Array.from({ length: size }, (_, i) => ({ id: first + i, data: { text: `t${first + i}` } })), files: [] }));
  }
}

/**
 * Starts a worker process; `ready` resolves once it has opened the store, `go()` lets it
 * begin, `result` is its hand-outs.
 */
function startWorker(env: Record<string, string>): { ready: Promise<void>; go(): void; result: Promise<[string, number][]> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/storage/postgresWorker.ts'], { cwd: repo, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  proc.stdout.on('data', (d) => {
    out += d;
    if (out.startsWith('ready\n')) markReady();
  });
  proc.stderr.on('data', (d) => (err += d));
  const result = new Promise<[string, number][]>((resolve, reject) =>
    proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.slice('ready\n'.length)) as [string, number][]) : reject(new Error(`worker exited with ${code}: ${err}`)))),
  );
  return { ready: Promise.race([ready, result.then(() => {})]), go: () => proc.stdin.end('go\n'), result };
}

describe('two server processes on one database', () => {
  for (const sampling of ['sequential', 'uniform']) {
    it(`8 annotators over two processes label 500 tasks (${sampling}): no task handed to two, each labeled once`, async () => {
      const project = `race-${sampling}`;
      const store = await openPostgresStore({ url: database.url, project, reservationMs: 60_000, create: true });
      try {
        await addTexts(store, 500);
        const env = { STORE_URL: database.url, PROJECT: project, SAMPLING: sampling };
        const workers = [startWorker({ ...env, ANNOTATORS: 'a1,a2,a3,a4' }), startWorker({ ...env, ANNOTATORS: 'b1,b2,b3,b4' })];
        await Promise.all(workers.map((w) => w.ready));
        for (const w of workers) w.go();
        const [a, b] = await Promise.all(workers.map((w) => w.result));
        const handed = [...a, ...b];
        // Both processes did work, or there was no race to test.
        expect(a.length).toBeGreaterThan(50);
        expect(b.length).toBeGreaterThan(50);
        expect(handed).toHaveLength(500);
        expect(new Set(handed.map(([, id]) => id)).size).toBe(500);
        expect(await store.counts()).toEqual({ tasks: 500, completed: 500 });
        for await (const file of store.completionFiles()) expect(file.completions, `task ${file.id}`).toHaveLength(1);
      } finally {
        await store.close();
      }
    }, 60_000);
  }

  it('two pools: waves of 8 annotators asking at once never share a task', async () => {
    const project = 'race-pools';
    const one = await openPostgresStore({ url: database.url, project, reservationMs: 60_000, create: true });
    const two = await openPostgresStore({ url: database.url, project, reservationMs: 60_000 });
    try {
      await addTexts(one, 500);
      const seen = new Map<number, string>();
      for (let wave = 0; seen.size < 500; wave++) {
        const names = Array.from({ length: 8 }, (_, i) => `w${wave}-${i}`);
        const got = await Promise.all(names.map((n, i) => (i % 2 ? two : one).next(n, 'sequential')));
        for (const [i, t] of got.entries()) {
          if (!t) continue;
          expect(seen.get(t.task.id), `task ${t.task.id}`).toBeUndefined();
          seen.set(t.task.id, names[i]!);
        }
        if (got.every((t) => t === undefined)) break;
      }
      expect(seen.size).toBe(500);
    } finally {
      await one.close();
      await two.close();
    }
  }, 60_000);
});

describe('migrations', () => {
  it('two servers starting together on an empty database: one migrates, the other waits and finds it done', async () => {
    const empty = await freshDatabase();
    try {
      const opened = await Promise.all(Array.from({ length: 4 }, (_, i) => openPostgresStore({ url: empty.url, project: 'p', reservationMs: 1000, create: true }).then((s) => [i, s] as const)));
      const admin = new pg.Client({ connectionString: empty.url });
      await admin.connect();
      try {
        const { rows } = await admin.query('SELECT version, count(*)::int AS n FROM schema_migrations GROUP BY version ORDER BY version');
        // Each migration applied once, whichever server did it.
        expect(rows).toEqual((await readMigrations()).map((m) => ({ version: m.version, n: 1 })));
        expect((await admin.query("SELECT count(*)::int AS n FROM projects WHERE name = 'p'")).rows).toEqual([{ n: 1 }]);
        expect((await admin.query('SELECT count(*)::int AS n FROM project_counts')).rows).toEqual([{ n: 1 }]);
      } finally {
        await admin.end();
      }
      // All four see one project.
      await opened[0]![1].addTasks((first) => ({ tasks: [{ id: first, data: { text: 'x' } }], files: [] }));
      for (const [, s] of opened) expect(await s.counts()).toEqual({ tasks: 1, completed: 0 });
      for (const [, s] of opened) await s.close();
    } finally {
      await empty.drop();
    }
  });

  it('migration files are numbered once each and the first creates the tables', async () => {
    const migrations = await readMigrations();
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    const sql = migrations[0]!.sql;
    for (const table of ['projects', 'project_counts', 'tasks', 'reservations', 'completion_marks', 'data_keys', 'output_controls', 'output_labels', 'uploads', 'upload_chunks']) {
      expect(sql).toContain(`CREATE TABLE ${table} (`);
    }
  });

  it('a database migrated by a newer server is refused, not changed', async () => {
    const db = await freshDatabase();
    try {
      (await PostgresDatabase.connect({ url: db.url })).close();
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      await admin.query("INSERT INTO schema_migrations (version, name) VALUES (999, '999_future')");
      await admin.end();
      await expect(PostgresDatabase.connect({ url: db.url })).rejects.toThrow(/schema is at version 999, newer than this server knows/);
    } finally {
      await db.drop();
    }
  });

  it('a project that is not there is not created without create', async () => {
    await expect(openPostgresStore({ url: database.url, project: 'never-made', reservationMs: 1000 })).rejects.toBeInstanceOf(ProjectNotFoundError);
  });

  it("an error of the engine's own work (a temporary file gone) is not taken for the database being down", async () => {
    const store = await openPostgresStore({ url: database.url, project: 'uploads-missing', reservationMs: 1000, create: true });
    try {
      const err = await store.uploads.put([{ name: 'abc-gone.txt', tempPath: join(repo, 'no-such-temp-file') }]).catch((e: unknown) => e);
      expect((err as NodeJS.ErrnoException).code).toBe('ENOENT');
      expect(err).not.toBeInstanceOf(AppError);
      expect(await store.uploads.get('abc-gone.txt')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('several projects share one pool and never see each other', async () => {
    const db = await PostgresDatabase.connect({ url: database.url });
    try {
      const a = await openProject(db, 'shared-a', { reservationMs: 1000, create: true });
      const b = await openProject(db, 'shared-b', { reservationMs: 1000, create: true });
      await addTexts(a, 3);
      await addTexts(b, 1);
      expect(await a.counts()).toEqual({ tasks: 3, completed: 0 });
      expect(await b.counts()).toEqual({ tasks: 1, completed: 0 });
      expect((await b.page('id', 0, 10)).map((s) => s.task.id)).toEqual([0]);
      await a.close(); // leaves the pool to its owner
      expect(await b.counts()).toEqual({ tasks: 1, completed: 0 });
    } finally {
      await db.close();
    }
  });
});

describe('a database that is wrong, down, or goes away', () => {
  const isUnavailable = (err: unknown) => err instanceof AppError && err.code === 'storage_unavailable' && err.status === 503;

  it('a STORE_URL that is not a PostgreSQL URL: a message naming STORE_URL', async () => {
    for (const url of ['not a url', 'mysql://root@localhost/db', 'postgres://localhost']) {
      const err = await openPostgresStore({ url, project: 'p', reservationMs: 1000 }).catch((e: unknown) => e);
      expect(err, url).toBeInstanceOf(StoreUrlError);
      expect((err as Error).message, url).toMatch(/STORE_URL/);
    }
  });

  it('nothing listening, or no such database: a 503 naming STORE_URL, soon, without the password', async () => {
    const port = await freePort();
    const started = Date.now();
    const down = await openPostgresStore({ url: `postgres://someone:secretpw@127.0.0.1:${port}/labels`, project: 'p', reservationMs: 1000 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(6000);
    expect(isUnavailable(down)).toBe(true);
    expect((down as Error).message).toMatch(new RegExp(`STORE_URL \\(postgres://someone@127\\.0\\.0\\.1:${port}/labels\\)`));
    expect((down as Error).message).not.toContain('secretpw');
    const url = new URL(database.url);
    url.pathname = '/no_such_database';
    const missing = await openPostgresStore({ url: url.toString(), project: 'p', reservationMs: 1000 }).catch((e: unknown) => e);
    expect(isUnavailable(missing)).toBe(true);
    expect((missing as Error).message).toMatch(/STORE_URL .*no_such_database.*does not exist/);
  });

  describe('on a cluster of its own', () => {
    let cluster: TestCluster;
    beforeAll(async () => {
      cluster = await TestCluster.create();
    }, 60_000);
    afterAll(async () => {
      await cluster?.destroy();
    });

    it('stopped while a store is open: 503 meanwhile, no hang, and it works again once the database is back', async () => {
      const store = await openPostgresStore({ url: cluster.url(), project: 'restart', reservationMs: 60_000, create: true, connectTimeoutMs: 1000, statementTimeoutMs: 2000 });
      try {
        await addTexts(store, 10);
        expect((await store.next('ann', 'sequential'))!.task.id).toBe(0);
        await cluster.stop('fast');
        const calls: [string, () => Promise<unknown>][] = [
          ['counts', () => store.counts()],
          ['page', () => store.page('-completed_at', 0, 10)],
          ['next', () => store.next('bob', 'sequential')],
          ['addTasks', () => addTexts(store, 1)],
          ['changeCompletions', () => store.changeCompletions(1, (s) => ({ file: { id: 1, data: s.task.data, completions: [] }, value: null }))],
          ['config', () => store.config()],
          ['upload', () => store.uploads.get('abc-x')],
          ['export', async () => { for await (const _f of store.completionFiles()) break; }],
        ];
        for (const [name, call] of calls) {
          const started = Date.now();
          const err = await within(8000, call().then(() => undefined, (e: unknown) => e));
          expect(isUnavailable(err), `${name}: ${String(err)}`).toBe(true);
          expect((err as Error).message, name).toMatch(/STORE_URL/);
          expect(Date.now() - started, name).toBeLessThan(5000);
        }
        await cluster.start();
        // The pool drops the broken connections and opens new ones: no restart needed.
        expect(await within(8000, store.counts())).toEqual({ tasks: 10, completed: 0 });
        expect((await within(8000, store.next('ann', 'sequential')))!.task.id).toBe(0);
        expect((await within(8000, store.next('bob', 'sequential')))!.task.id).toBe(1);
        await addTexts(store, 1);
        expect(await store.counts()).toEqual({ tasks: 11, completed: 0 });
      } finally {
        await store.close();
      }
    }, 60_000);

    it('a database that stops answering (frozen): calls fail with a 503 after the timeout instead of hanging', async () => {
      const store = await openPostgresStore({ url: cluster.url(), project: 'frozen', reservationMs: 60_000, create: true, connectTimeoutMs: 1000, statementTimeoutMs: 1000 });
      const pids = await clusterPids(cluster);
      try {
        await addTexts(store, 3);
        await execFile('kill', ['-STOP', ...pids]);
        try {
          for (const call of [() => store.counts(), () => store.next('ann', 'sequential'), () => addTexts(store, 1)]) {
            const started = Date.now();
            const err = await within(8000, call().then(() => undefined, (e: unknown) => e));
            expect(isUnavailable(err), String(err)).toBe(true);
            expect(Date.now() - started).toBeLessThan(4000);
          }
        } finally {
          await execFile('kill', ['-CONT', ...pids]);
        }
        expect(await within(8000, store.counts())).toEqual({ tasks: 3, completed: 0 });
      } finally {
        await store.close();
      }
    }, 60_000);
  });
});

/** The postmaster and every backend of a cluster (to freeze them all). */
async function clusterPids(cluster: TestCluster): Promise<string[]> {
  const pidFile = await readFile(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8');
  const main = pidFile.split('\n')[0]!.trim();
  const { stdout } = await execFile('pgrep', ['-P', main]).catch(() => ({ stdout: '' }));
  return [main, ...stdout.split('\n').map((s) => s.trim()).filter(Boolean)];
}

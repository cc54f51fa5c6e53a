// The registry: opens projects on the configured engine, each with everything its services
// need, and keeps them open by name. Above storage: it reads the server's settings and hands
// out the contexts. openProjectContext opens one project on its own (tests, tools).
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Settings } from './settings.ts';
import type { ProjectContext } from './services/context.ts';
import { FolderStore, type OpenOptions } from './storage/folder/folderStore.ts';
import { describeUrl, openPostgresStore, openProject as openPgProject, PostgresDatabase } from './storage/postgres/index.ts';
import { storeWhenReachable } from './storage/retryingStore.ts';
import type { ProjectStore } from './storage/store.ts';
import { AppError, isSystemError } from './errors.ts';
import { MlRuntime } from './ml/runtime.ts';
import { CloudRuntime, cloudOptions } from './cloud/runtime.ts';

/** The ML runtime's options, from the settings (timeouts are seconds there). */
export function mlOptions(settings: Settings): ConstructorParameters<typeof MlRuntime>[0] {
  const ms = (s: number) => Math.round(s * 1000);
  return {
    timeouts: {
      connect: ms(settings.ML_CONNECTION_TIMEOUT),
      health: ms(settings.ML_TIMEOUT_HEALTH),
      setup: ms(settings.ML_TIMEOUT_SETUP),
      predict: ms(settings.ML_TIMEOUT_PREDICT),
      train: ms(settings.ML_TIMEOUT_TRAIN),
      delete: ms(settings.ML_TIMEOUT_DELETE),
      trainStatus: ms(settings.ML_TIMEOUT_TRAIN_JOB_STATUS),
    },
    allow: settings.ML_BACKEND_ALLOW,
    maxBodyBytes: settings.MAX_BODY_SIZE,
    batchSize: settings.ML_PREDICT_BATCH_SIZE,
    liveTimeoutMs: ms(settings.ML_TIMEOUT_LIVE_PREDICT),
  };
}

/** A project's context; its cloud source starts syncing in the background. */
function contextOf(store: ProjectStore, settings: Settings, log: Logger): ProjectContext {
  const cloud = new CloudRuntime(store, cloudOptions(settings), log);
  cloud.start();
  return { store, settings, log, ml: new MlRuntime(mlOptions(settings), log), cloud };
}

export async function openProjectContext(
  settings: Settings,
  log: Logger,
  name = settings.PROJECT,
  extra: Pick<OpenOptions, 'openJournalFile'> = {},
): Promise<ProjectContext> {
  const store = settings.STORE_URL ? await openPostgresProject(settings, log, name) : await openFolderProject(settings, log, name, extra);
  return contextOf(store, settings, log);
}

/**
 * A project in PostgreSQL. A STORE_URL that is not a PostgreSQL URL stops the start (its
 * message names STORE_URL); a database that cannot be reached does not: the server starts,
 * answers 503 meanwhile, and keeps trying until the database is there.
 */
async function openPostgresProject(settings: Settings, log: Logger, name: string): Promise<ProjectStore> {
  const open = () => openPostgresStore({ url: settings.STORE_URL, project: name, reservationMs: settings.RESERVATION_SECONDS * 1000, create: true, log });
  return openPostgresProjectRetrying(settings, log, name, open);
}

async function openPostgresProjectRetrying(settings: Settings, log: Logger, name: string, open: () => Promise<ProjectStore>): Promise<ProjectStore> {
  try {
    return await open();
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'storage_unavailable') throw err;
    log.error(`${err.message}; the server starts anyway, answers 503 and retries every 2 s`);
    return storeWhenReachable({
      name,
      location: `${describeUrl(settings.STORE_URL)} (project ${name})`,
      open,
      unavailable: () => err,
      onOpen: () => log.info(`connected to ${describeUrl(settings.STORE_URL)}: serving project ${name}`),
    });
  }
}

async function openFolderProject(settings: Settings, log: Logger, name: string, extra: Pick<OpenOptions, 'openJournalFile'>): Promise<ProjectStore> {
  const dir = resolve(join(settings.PROJECTS_DIR, name));
  return FolderStore.open(dir, name, {
    ...extra,
    create: true,
    reservationMs: settings.RESERVATION_SECONDS * 1000,
    checkpointBytes: settings.CHECKPOINT_BYTES,
    // A full disk fails every write until there is room: said once at error level (the
    // requests it refuses are logged as 507s at warn), and once more when it is over.
    onWriteFailure: (err: Error) => log.error(`writes to ${dir} fail (${err.message}); requests that change data are refused until this is fixed, reads go on`),
    onWriteRecovery: () => log.info(`writes to ${dir} work again`),
    onCheckpointError: (err: Error) =>
      log[isSystemError(err) || err instanceof AppError ? 'warn' : 'error']({ err }, 'checkpoint failed; the journal keeps every change, it is retried later'),
  });
}

/** A project name a client may give (?project=, POST /api/projects): a folder name. */
export const PROJECT_NAME = /^[A-Za-z0-9_-]{1,100}$/;

const UUID_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface ProjectSummary {
  name: string;
  title: string;
  task_count: number;
  completion_count: number;
}

/**
 * The projects of a server, opened on first use and kept open by name. With PostgreSQL
 * they share one connection pool. A project that cannot be opened (a damaged folder) is
 * refused with its name and the reason, each time it is asked for; the others keep serving.
 */
export class ProjectRegistry {
  private readonly open = new Map<string, Promise<ProjectContext>>();
  private database?: Promise<PostgresDatabase>;

  constructor(
    readonly settings: Settings,
    private readonly log: Logger,
    /** A project opened already (a test's), served as the default one. */
    first?: ProjectContext,
  ) {
    if (first) this.open.set(first.store.name, Promise.resolve(first));
  }

  /** The project of this name, opened (and created when `create`) on first use. */
  async get(name: string, options: { create?: boolean } = {}): Promise<ProjectContext> {
    const known = this.open.get(name);
    if (known) return known;
    if (!options.create && !(await this.exists(name))) {
      throw new AppError('project_not_found', `No project "${name}"; create it with POST /api/projects {"name": "${name}"}`);
    }
    // Another request may have started opening it while this one looked for the folder.
    const meanwhile = this.open.get(name);
    if (meanwhile) return meanwhile;
    const opening = this.openContext(name).catch((err: unknown) => {
      // Not kept: the next request tries again (the folder may have been repaired).
      if (this.open.get(name) === opening) this.open.delete(name);
      if (err instanceof AppError) throw err;
      const why = err instanceof Error ? err.message : String(err);
      this.log.error(`project ${name} cannot be opened: ${why}`);
      throw new AppError('project_unavailable', `Project "${name}" cannot be opened: ${why}`);
    });
    this.open.set(name, opening);
    return opening;
  }

  /** The server's own project (PROJECT), created on first start. */
  default(): Promise<ProjectContext> {
    return this.get(this.settings.PROJECT, { create: true });
  }

  private async openContext(name: string): Promise<ProjectContext> {
    const store = this.settings.STORE_URL ? await this.openPostgres(name) : await openFolderProject(this.settings, this.log, name, {});
    return contextOf(store, this.settings, this.log);
  }

  private db(): Promise<PostgresDatabase> {
    this.database ??= PostgresDatabase.connect({ url: this.settings.STORE_URL, log: this.log }).catch((err: unknown) => {
      this.database = undefined; // tried again next time
      throw err;
    });
    return this.database;
  }

  private openPostgres(name: string): Promise<ProjectStore> {
    const open = async () => openPgProject(await this.db(), name, { reservationMs: this.settings.RESERVATION_SECONDS * 1000, create: true });
    return openPostgresProjectRetrying(this.settings, this.log, name, open);
  }

  private async exists(name: string): Promise<boolean> {
    if (this.settings.STORE_URL) {
      const { rows } = await (await this.db()).query('SELECT 1 FROM projects WHERE name = $1', [name]);
      return rows.length > 0;
    }
    return stat(join(resolve(this.settings.PROJECTS_DIR), name, 'config.json')).then(
      () => true,
      () => false,
    );
  }

  /** The names of the projects there are (single-user ones: multi-session projects live a level down). */
  async names(): Promise<string[]> {
    if (this.settings.STORE_URL) {
      const { rows } = await (await this.db()).query<{ name: string }>('SELECT name FROM projects ORDER BY name');
      return rows.map((r) => r.name).filter((n) => PROJECT_NAME.test(n));
    }
    const entries = await readdir(resolve(this.settings.PROJECTS_DIR), { withFileTypes: true }).catch(() => []);
    const names: string[] = [];
    for (const e of entries) if (e.isDirectory() && PROJECT_NAME.test(e.name) && (await this.exists(e.name))) names.push(e.name);
    return names.sort();
  }

  /** The user (a multi-session uuid) who owns the project of this uuid, if any. */
  async ownerOf(uuid: string): Promise<string | undefined> {
    if (this.settings.STORE_URL) {
      const { rows } = await (await this.db()).query<{ name: string }>("SELECT name FROM projects WHERE name LIKE '%/' || $1", [uuid]);
      return rows[0]?.name.split('/')[0];
    }
    const root = resolve(this.settings.PROJECTS_DIR);
    const users = await readdir(root, { withFileTypes: true }).catch(() => []);
    for (const u of users) {
      if (u.isDirectory() && UUID_NAME.test(u.name) && (await this.exists(`${u.name}/${uuid}`))) return u.name;
    }
    return undefined;
  }

  /** The uuids of a multi-session user's projects. */
  async namesUnder(user: string): Promise<string[]> {
    if (this.settings.STORE_URL) {
      const { rows } = await (await this.db()).query<{ name: string }>("SELECT name FROM projects WHERE name LIKE $1 || '/%' ORDER BY name", [user]);
      return rows.map((r) => r.name.slice(user.length + 1));
    }
    const entries = await readdir(join(resolve(this.settings.PROJECTS_DIR), user), { withFileTypes: true }).catch(() => []);
    const out: string[] = [];
    for (const e of entries) if (e.isDirectory() && UUID_NAME.test(e.name) && (await this.exists(`${user}/${e.name}`))) out.push(e.name);
    return out.sort();
  }

  /** Every project with its title and counts (GET /api/projects); a project that cannot be opened says why. */
  async list(): Promise<(ProjectSummary | { name: string; error: string })[]> {
    const out: (ProjectSummary | { name: string; error: string })[] = [];
    for (const name of await this.names()) {
      try {
        const ctx = await this.get(name);
        const [{ settings }, counts] = await Promise.all([ctx.store.config(), ctx.store.counts()]);
        out.push({ name, title: String(settings.title ?? ''), task_count: counts.tasks, completion_count: counts.completed });
      } catch (err) {
        out.push({ name, error: (err as Error).message });
      }
    }
    return out;
  }

  /** Stops every project's background work, checkpoints and closes them, then the pool. */
  async close(): Promise<void> {
    const contexts = await Promise.allSettled([...this.open.values()]);
    this.open.clear();
    let failure: unknown;
    for (const c of contexts) {
      if (c.status !== 'fulfilled') continue;
      await c.value.ml.close().catch(() => {});
      await c.value.cloud.close().catch(() => {});
      await c.value.store.close().catch((err: unknown) => (failure ??= err));
    }
    if (this.database) await (await this.database.catch(() => undefined))?.close();
    if (failure) throw failure;
  }
}

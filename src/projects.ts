// The registry: opens a project on the configured engine, with everything its services
// need. Above storage: it reads the server's settings and hands out the context.
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Settings } from './settings.ts';
import type { ProjectContext } from './services/context.ts';
import { FolderStore, type OpenOptions } from './storage/folder/folderStore.ts';
import { describeUrl, openPostgresStore } from './storage/postgres/index.ts';
import { storeWhenReachable } from './storage/retryingStore.ts';
import type { ProjectStore } from './storage/store.ts';
import { AppError, isSystemError } from './errors.ts';
import { MlRuntime } from './ml/runtime.ts';

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

export async function openProjectContext(
  settings: Settings,
  log: Logger,
  name = settings.PROJECT,
  extra: Pick<OpenOptions, 'openJournalFile'> = {},
): Promise<ProjectContext> {
  const store = settings.STORE_URL ? await openPostgresProject(settings, log, name) : await openFolderProject(settings, log, name, extra);
  return { store, settings, log, ml: new MlRuntime(mlOptions(settings), log) };
}

/**
 * A project in PostgreSQL. A STORE_URL that is not a PostgreSQL URL stops the start (its
 * message names STORE_URL); a database that cannot be reached does not: the server starts,
 * answers 503 meanwhile, and keeps trying until the database is there.
 */
async function openPostgresProject(settings: Settings, log: Logger, name: string): Promise<ProjectStore> {
  const open = () => openPostgresStore({ url: settings.STORE_URL, project: name, reservationMs: settings.RESERVATION_SECONDS * 1000, create: true, log });
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

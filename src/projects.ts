// The registry: opens a project on the configured engine, with everything its services
// need. Above storage: it reads the server's settings and hands out the context.
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Settings } from './settings.ts';
import type { ProjectContext } from './services/context.ts';
import { FolderStore, type OpenOptions } from './storage/folder/folderStore.ts';
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
  const dir = resolve(join(settings.PROJECTS_DIR, name));
  const store = await FolderStore.open(dir, name, {
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
  return { store, settings, log, ml: new MlRuntime(mlOptions(settings), log) };
}

// The registry: opens a project on the configured engine, with everything its services
// need. Above storage: it reads the server's settings and hands out the context.
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Settings } from './settings.ts';
import type { ProjectContext } from './services/context.ts';
import { FolderStore, type OpenOptions } from './storage/folder/folderStore.ts';
import { AppError, isSystemError } from './errors.ts';

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
  return { store, settings, log };
}

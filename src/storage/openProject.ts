// Opens the project a server serves, with everything its services need.
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Settings } from '../settings.ts';
import type { ProjectContext } from '../services/context.ts';
import { Reservations } from '../sampling/reservations.ts';
import { ProjectStore, type OpenOptions } from './projectStore.ts';
import { AppError, isSystemError } from '../errors.ts';

export async function openProjectContext(
  settings: Settings,
  log: Logger,
  name = settings.PROJECT,
  extra: Pick<OpenOptions, 'openJournalFile'> = {},
): Promise<ProjectContext> {
  const dir = resolve(join(settings.PROJECTS_DIR, name));
  const store = await ProjectStore.open(dir, name, {
    ...extra,
    create: true,
    checkpointBytes: settings.CHECKPOINT_BYTES,
    // A full disk fails every write until there is room: said once at error level (the
    // requests it refuses are logged as 507s at warn), and once more when it is over.
    onWriteFailure: (err) => log.error(`writes to ${dir} fail (${err.message}); requests that change data are refused until this is fixed, reads go on`),
    onWriteRecovery: () => log.info(`writes to ${dir} work again`),
    onCheckpointError: (err) =>
      log[isSystemError(err) || err instanceof AppError ? 'warn' : 'error']({ err }, 'checkpoint failed; the journal keeps every change, it is retried later'),
  });
  return { store, settings, reservations: new Reservations(settings.RESERVATION_SECONDS * 1000), log };
}

// Opens the project a server serves, with everything its services need.
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Settings } from '../settings.ts';
import type { ProjectContext } from '../services/context.ts';
import { Reservations } from '../sampling/reservations.ts';
import { ProjectStore } from './projectStore.ts';

export async function openProjectContext(settings: Settings, log: Logger, name = settings.PROJECT): Promise<ProjectContext> {
  const dir = resolve(join(settings.PROJECTS_DIR, name));
  const store = await ProjectStore.open(dir, name, {
    create: true,
    checkpointBytes: settings.CHECKPOINT_BYTES,
    onCheckpointError: (err) => log.error({ err }, 'checkpoint failed; the journal keeps every change'),
  });
  return { store, settings, reservations: new Reservations(settings.RESERVATION_SECONDS * 1000), log };
}

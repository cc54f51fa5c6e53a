// What a service needs to act on the current project.
import type { Logger } from 'pino';
import type { Settings } from '../settings.ts';
import type { ProjectStore } from '../storage/projectStore.ts';
import type { Reservations } from '../sampling/reservations.ts';

export interface ProjectContext {
  store: ProjectStore;
  settings: Settings;
  reservations: Reservations;
  log: Logger;
}

// What a service needs to act on one project.
import type { Logger } from 'pino';
import type { Settings } from '../settings.ts';
import type { ProjectStore } from '../storage/store.ts';

export interface ProjectContext {
  store: ProjectStore;
  settings: Settings;
  log: Logger;
}

// What a service needs to act on one project.
import type { Logger } from 'pino';
import type { Settings } from '../settings.ts';
import type { ProjectStore } from '../storage/store.ts';
import type { MlRuntime } from '../ml/runtime.ts';
import type { CloudRuntime } from '../cloud/runtime.ts';

export interface ProjectContext {
  store: ProjectStore;
  settings: Settings;
  log: Logger;
  /** The project's ML backends at run time: their state, the client, background jobs. */
  ml: MlRuntime;
  /** The project's cloud storages at run time: source sync, target writes, their status. */
  cloud: CloudRuntime;
}

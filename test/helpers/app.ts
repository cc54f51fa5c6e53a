// A fresh app on a fresh temporary projects folder, for HTTP tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Express } from 'express';
import { createApp } from '../../src/app.ts';
import { testSettings, type Settings } from '../../src/settings.ts';
import { openProjectContext } from '../../src/projects.ts';
import type { ProjectContext } from '../../src/services/context.ts';

export interface TestApp {
  app: Express;
  project: ProjectContext;
  settings: Settings;
  /** The project folder (PROJECTS_DIR/default). */
  dir: string;
  root: string;
  /** Closes the project (checkpointing) and opens the folder again, as a restart would. */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds an app on a new temporary folder. `prepare` may fill the project folder before
 * it is opened (copy a fixture into it).
 */
export async function makeTestApp(
  overrides: Parameters<typeof testSettings>[0] = {},
  prepare?: (projectDir: string) => Promise<void>,
): Promise<TestApp> {
  const root = await mkdtemp(join(tmpdir(), 'ls-test-'));
  const settings = testSettings({ PROJECTS_DIR: root, LOG_LEVEL: 'silent', ...overrides });
  const dir = join(root, settings.PROJECT);
  if (prepare) await prepare(dir);
  const logger = pino({ level: 'silent' });
  const project = await openProjectContext(settings, logger);
  const t: TestApp = {
    app: createApp({ settings, logger, project }),
    project,
    settings,
    dir,
    root,
    async reopen() {
      await t.project.ml.close();
      await t.project.store.close();
      t.project = await openProjectContext(settings, logger);
      t.app = createApp({ settings, logger, project: t.project });
    },
    async close() {
      await t.project.ml.close();
      await t.project.store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
  return t;
}

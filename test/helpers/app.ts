// A fresh app on a fresh project, for HTTP tests. The engine is the folder engine, or
// PostgreSQL when TEST_ENGINE=postgres (the HTTP suite runs on both: .ci/run): then each
// app gets a project of its own in a database of this test file, on the throwaway cluster
// of the global setup (or STORE_URL's server).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Express } from 'express';
import { createApp } from '../../src/app.ts';
import { testSettings, type Settings } from '../../src/settings.ts';
import { openProjectContext, ProjectRegistry } from '../../src/projects.ts';
import type { ProjectContext } from '../../src/services/context.ts';
import { FolderStore } from '../../src/storage/folder/folderStore.ts';
import { copyProject } from '../../src/storage/copy.ts';
import { freshDatabase } from './postgres.ts';

export type Engine = 'folder' | 'postgres';

/** The engine the tests of this run use. */
export const ENGINE: Engine = process.env.TEST_ENGINE === 'postgres' ? 'postgres' : 'folder';

export interface TestApp {
  app: Express;
  project: ProjectContext;
  settings: Settings;
  engine: Engine;
  /** The project folder (PROJECTS_DIR/default); with PostgreSQL, where a fixture was laid out before it was copied in. */
  dir: string;
  root: string;
  /** Closes the project (checkpointing) and opens it again, as a restart would. */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

let database: Promise<{ url: string }> | undefined;
let projects = 0;

/**
 * Builds an app on a new project. `prepare` may fill the project folder before it is
 * opened (copy a fixture into it); with PostgreSQL that folder is then copied into the
 * project through the store interface (src/storage/copy.ts), as `npm run copy-project` does.
 */
export async function makeTestApp(
  overrides: Parameters<typeof testSettings>[0] = {},
  prepare?: (projectDir: string) => Promise<void>,
): Promise<TestApp> {
  const root = await mkdtemp(join(tmpdir(), 'ls-test-'));
  const postgres = ENGINE === 'postgres';
  const engineSettings: Parameters<typeof testSettings>[0] = {};
  if (postgres) {
    // A test that names its project gets a database of its own (two such apps of a file
    // would meet in one); the others share this file's database, a project each.
    const db = overrides.PROJECT ? freshDatabase() : (database ??= freshDatabase());
    engineSettings.STORE_URL = (await db).url;
    engineSettings.PROJECT = `p${process.pid}-${projects++}`;
  }
  const settings = testSettings({ PROJECTS_DIR: root, LOG_LEVEL: 'silent', ...engineSettings, ...overrides });
  const dir = join(root, postgres ? 'fixture' : settings.PROJECT);
  if (prepare) await prepare(dir);
  const logger = pino({ level: 'silent' });
  let project = await openProjectContext(settings, logger);
  if (postgres && prepare) {
    const folder = await FolderStore.open(dir, 'fixture', {});
    await copyProject(folder, project.store);
    await folder.close({ checkpoint: false });
  }
  // The app's projects: this one as the default, others (?project=, sessions) opened on use.
  let registry = new ProjectRegistry(settings, logger, project);
  const t: TestApp = {
    app: createApp({ settings, logger, projects: registry, deprecatedRoutes: true }),
    project,
    settings,
    engine: ENGINE,
    dir,
    root,
    async reopen() {
      await registry.close();
      t.project = project = await openProjectContext(settings, logger);
      registry = new ProjectRegistry(settings, logger, project);
      t.app = createApp({ settings, logger, projects: registry, deprecatedRoutes: true });
    },
    async close() {
      await registry.close();
      await rm(root, { recursive: true, force: true });
    },
  };
  return t;
}

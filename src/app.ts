// createApp(deps): the Express app, its routers and the error handler. It never listens;
// server.ts does that, and tests build a fresh app per test on a temporary folder.
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Settings } from './settings.ts';
import type { ProjectContext } from './services/context.ts';
import { basicAuth } from './http/auth.ts';
import { errorHandler } from './http/errors.ts';
import { requestLog } from './http/requestLog.ts';
import { jsonBody } from './http/requestBody.ts';
import { miscRouter } from './http/misc.ts';
import { projectRouter } from './http/project.ts';
import { tasksRouter } from './http/tasks.ts';
import { examplesRouter } from './http/examples.ts';
import { dataRouter } from './http/data.ts';
import { deprecatedRouter, rewriteDeprecatedRoutes } from './http/aliases.ts';

export interface AppDeps {
  settings: Settings;
  logger: Logger;
  /** The project requests act on. */
  project: ProjectContext;
}

export function createApp(deps: AppDeps): Express {
  const { settings, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // First, so that every answer (a 401 too) has its X-Request-Id and its log line.
  app.use(requestLog(app, logger));
  app.use(basicAuth(settings.AUTH_USERNAME, settings.AUTH_PASSWORD));
  app.use(jsonBody(settings.MAX_BODY_SIZE));
  const ctx = () => deps.project;
  const limits = { body: settings.MAX_BODY_SIZE };
  // Health and version first: probes call them all day, and no deprecated path points at them.
  app.use(miscRouter(ctx, limits));
  app.use(rewriteDeprecatedRoutes);
  app.use(deprecatedRouter(ctx));
  app.use(projectRouter(ctx, limits));
  app.use(tasksRouter(ctx));
  app.use(examplesRouter(ctx, limits));
  app.use(dataRouter(ctx));
  app.use((req, res) => {
    res.status(404).json({ status: 404, detail: `No route ${req.method} ${req.path}` });
  });
  app.use(errorHandler);
  return app;
}

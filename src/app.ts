// createApp(deps): the Express app, its routers and the error handler. It never listens;
// server.ts does that, and tests build a fresh app per test on a temporary folder.
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import type { Settings } from './settings.ts';
import type { ProjectContext } from './services/context.ts';
import { basicAuth } from './http/auth.ts';
import { errorHandler } from './http/errors.ts';
import { AppError } from './errors.ts';
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
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const id = randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      // 503 and 507 say the store cannot write: the store logs that once at error level,
      // the requests it refuses meanwhile are warnings.
      customLogLevel: (_req, res, err) => (res.statusCode === 503 || res.statusCode === 507 ? 'warn' : err || res.statusCode >= 500 ? 'error' : 'info'),
    }),
  );
  app.use(basicAuth(settings.AUTH_USERNAME, settings.AUTH_PASSWORD));
  app.use(jsonBody(settings.MAX_BODY_SIZE));
  const ctx = () => deps.project;
  const limits = { body: settings.MAX_BODY_SIZE };
  app.use(rewriteDeprecatedRoutes);
  app.use(deprecatedRouter(ctx));
  app.use(miscRouter(ctx, limits));
  app.use(projectRouter(ctx, limits));
  app.use(tasksRouter(ctx));
  app.use(examplesRouter(ctx, limits));
  app.use(dataRouter(ctx));
  app.use((req) => {
    throw new AppError('no_route', `No route ${req.method} ${req.path}`);
  });
  app.use(errorHandler(() => deps.project.store.folder));
  return app;
}

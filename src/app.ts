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
import { CONFIG_ROUTES, configBody, jsonBody } from './http/requestBody.ts';
import { refuseCrossSiteWrites, refuseForeignHosts } from './http/crossSite.ts';
import { securityHeaders } from './http/securityHeaders.ts';
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
  // X-Forwarded-For/-Proto/-Host are believed only from the proxies TRUST_PROXY names:
  // they decide the client address failed logins are counted under, and our own origin.
  app.set('trust proxy', settings.TRUST_PROXY);
  // First, so that every answer has them: errors, 404s and files too.
  app.use(securityHeaders);
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
  // Before auth: a browser resends remembered credentials with a cross-site request.
  app.use(refuseForeignHosts(settings));
  app.use(refuseCrossSiteWrites(settings));
  app.use(basicAuth(settings));
  app.use(rewriteDeprecatedRoutes);
  // Config routes read at most about 2 MB, whatever MAX_BODY_SIZE allows elsewhere; their
  // JSON bodies too, which is why this comes before the JSON parser of every route.
  app.use(CONFIG_ROUTES, configBody(settings.MAX_BODY_SIZE));
  app.use(jsonBody(settings.MAX_BODY_SIZE));
  const ctx = () => deps.project;
  app.use(deprecatedRouter(ctx));
  app.use(miscRouter(ctx));
  app.use(projectRouter(ctx));
  app.use(tasksRouter(ctx));
  app.use(examplesRouter(ctx));
  app.use(dataRouter(ctx));
  app.use((req) => {
    throw new AppError('no_route', `No route ${req.method} ${req.path}`);
  });
  app.use(errorHandler(() => deps.project.store.location));
  return app;
}

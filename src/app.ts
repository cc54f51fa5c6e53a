// createApp(deps): the Express app, its routers and the error handler. It never listens;
// server.ts does that, and tests build a fresh app per test on a temporary folder.
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Settings } from './settings.ts';
import type { ProjectContext } from './services/context.ts';
import { basicAuth } from './http/auth.ts';
import { errorHandler } from './http/errors.ts';
import { AppError } from './errors.ts';
import { CONFIG_ROUTES, configBody, jsonBody } from './http/requestBody.ts';
import { refuseCrossSiteWrites, refuseForeignHosts } from './http/crossSite.ts';
import { securityHeaders } from './http/securityHeaders.ts';
import { requestLog } from './http/requestLog.ts';
import { healthRouter, miscRouter } from './http/misc.ts';
import { projectRouter } from './http/project.ts';
import { tasksRouter } from './http/tasks.ts';
import { examplesRouter } from './http/examples.ts';
import { dataRouter } from './http/data.ts';
import { modelsRouter } from './http/models.ts';
import { deprecatedRouter, rewriteDeprecatedRoutes } from './http/aliases.ts';
import { pagesRouter } from './http/pages.ts';
import { projectsRouter } from './http/projects.ts';
import { currentProject, projectIfAny, resolveProject } from './http/projectScope.ts';
import { Sessions } from './http/sessions.ts';
import { ProjectRegistry } from './projects.ts';

export interface AppDeps {
  settings: Settings;
  logger: Logger;
  /** The projects requests act on (one is made around `project` when not given). */
  projects?: ProjectRegistry;
  /** A project opened already, served as the default one (tests, embedding). */
  project?: ProjectContext;
  /**
   * Label Studio 0.8's deprecated routes (api.md §5.23). 0.8 registered them only when
   * started from its command line, so do we: the entries (npm start, `labelstream start`)
   * turn them on; an app embedded through createApp has none unless asked.
   */
  deprecatedRoutes?: boolean;
}

export function createApp(deps: AppDeps): Express {
  const { settings, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // X-Forwarded-For/-Proto/-Host are believed only from the proxies TRUST_PROXY names:
  // they decide the client address failed logins are counted under, and our own origin.
  app.set('trust proxy', settings.TRUST_PROXY);
  // First, so that every answer (a 401, a 421 too) has its X-Request-Id and its log line.
  app.use(requestLog(app, logger));
  // Then the headers every answer carries: errors, 404s and files too.
  app.use(securityHeaders);
  app.use(healthRouter());
  // Before auth: a browser resends remembered credentials with a cross-site request.
  app.use(refuseForeignHosts(settings));
  app.use(refuseCrossSiteWrites(settings));
  app.use(basicAuth(settings));
  if (deps.deprecatedRoutes) app.use(rewriteDeprecatedRoutes);
  // Config routes read at most about 2 MB, whatever MAX_BODY_SIZE allows elsewhere; their
  // JSON bodies too, which is why this comes before the JSON parser of every route.
  app.use(CONFIG_ROUTES, configBody(settings.MAX_BODY_SIZE));
  app.use(jsonBody(settings.MAX_BODY_SIZE));
  const projects = deps.projects ?? new ProjectRegistry(settings, logger, deps.project);
  const sessions = settings.MULTI_SESSION ? new Sessions(projects) : undefined;
  // Routes that choose their project themselves, then the request's project for the rest.
  app.use(projectsRouter(projects, sessions));
  app.use(resolveProject(projects, sessions));
  const ctx = currentProject;
  app.use(miscRouter(ctx));
  if (deps.deprecatedRoutes) app.use(deprecatedRouter(ctx));
  app.use(projectRouter(ctx));
  app.use(tasksRouter(ctx));
  app.use(modelsRouter(ctx));
  app.use(examplesRouter(ctx));
  app.use(dataRouter(ctx));
  app.use(pagesRouter(ctx));
  app.use((req) => {
    throw new AppError('no_route', `No route ${req.method} ${req.path}`);
  });
  app.use(errorHandler(() => projectIfAny()?.store.location ?? settings.PROJECTS_DIR));
  return app;
}

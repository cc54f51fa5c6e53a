// Which project a request acts on (api.md §1.2): the session's in multi-session mode (§8),
// else the one `?project=<name>` names, else the server's own (PROJECT). The middleware
// opens it through the registry and runs the rest of the request inside its scope, so the
// routers' ctx() finds it without being handed the request.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError, badRequest } from '../errors.ts';
import { PROJECT_NAME, type ProjectRegistry } from '../projects.ts';
import type { ProjectContext } from '../services/context.ts';
import type { Sessions } from './sessions.ts';

const scope = new AsyncLocalStorage<ProjectContext>();

/** The project of the request being served. */
export function currentProject(): ProjectContext {
  const ctx = scope.getStore();
  if (!ctx) throw new Error('No project for this request: is resolveProject mounted before the router?');
  return ctx;
}

/** The project of the request, if one was resolved (the error handler asks). */
export function projectIfAny(): ProjectContext | undefined {
  return scope.getStore();
}

/** Runs the rest of the request in a project's scope (a route that switched project). */
export function runInProject(ctx: ProjectContext, next: NextFunction): void {
  scope.run(ctx, () => next());
}

/** `?project=<name>` read strictly: one folder name, or none. */
export function projectParam(req: Request): string | undefined {
  const q = req.query.project;
  if (q === undefined) return undefined;
  if (typeof q !== 'string' || !PROJECT_NAME.test(q)) {
    throw badRequest(`project must be a project name (letters, digits, - and _, at most 100), got ${JSON.stringify(q)}`);
  }
  return q;
}

export function resolveProject(registry: ProjectRegistry, sessions?: Sessions): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    let ctx: ProjectContext;
    if (sessions) {
      if (req.query.project !== undefined) throw new AppError('bad_request', 'In multi-session mode the session chooses the project; switch with /api/project-switch?uuid=');
      ctx = await sessions.projectOf(req, res);
    } else {
      const name = projectParam(req);
      ctx = name === undefined ? await registry.default() : await registry.get(name);
    }
    runInProject(ctx, next);
  };
}

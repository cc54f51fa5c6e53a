// Several projects: GET|POST /api/projects (a list with counts, and a new project by name),
// and in multi-session mode POST /api/project?new=1 and /api/project-switch?uuid= (api.md
// §5.4, §5.13, §8). These routes choose the project themselves, so they are mounted before
// the request's project is resolved.
import { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError, badRequest } from '../errors.ts';
import { PROJECT_NAME, type ProjectRegistry } from '../projects.ts';
import { serializeProject } from '../services/project.ts';
import { isJsonObject } from '../domain/types.ts';
import { route } from './methods.ts';
import type { Sessions } from './sessions.ts';

export function projectsRouter(registry: ProjectRegistry, sessions: Sessions | undefined): Router {
  const r = Router();

  route(r, '/api/projects', {
    get: async (req, res) => {
      if (sessions) {
        res.json({ projects: await sessions.projectsOf(req) });
        return;
      }
      res.json({ projects: await registry.list() });
    },
    post: async (req, res) => {
      if (sessions) throw new AppError('single_project', 'In multi-session mode a new project is POST /api/project?new=1');
      const body: unknown = req.body;
      const name = isJsonObject(body) ? body.name : undefined;
      if (typeof name !== 'string' || !PROJECT_NAME.test(name)) {
        throw badRequest(`"name" must be a project name (letters, digits, - and _, at most 100), got ${JSON.stringify(name ?? null)}`);
      }
      if ((await registry.names()).includes(name)) throw new AppError('project_exists', `Project "${name}" exists already`);
      const ctx = await registry.get(name, { create: true });
      const title = isJsonObject(body) ? body.title : undefined;
      if (typeof title === 'string') {
        const { settings } = await ctx.store.config();
        await ctx.store.saveConfig({ ...settings, title });
      }
      res.status(201).json(await serializeProject(ctx));
    },
  });

  // POST /api/project?new=1&desc=...: only in multi-session mode; other POSTs of /api/project
  // go on to the project router.
  r.post(/^\/api\/project\/?$/, async (req: Request, res: Response, next: NextFunction) => {
    if (!req.query.new) return next();
    if (!sessions) throw new AppError('single_project', 'Creating projects needs multi-session mode (MULTI_SESSION=1); in single-user mode use POST /api/projects {"name"}');
    const desc = typeof req.query.desc === 'string' ? req.query.desc : undefined;
    const ctx = await sessions.newProject(req, res, desc);
    res.status(201).json(await serializeProject(ctx));
  });

  route(r, '/api/project-switch', {
    get: async (req, res) => {
      if (!sessions) throw new AppError('single_project', 'Switching projects needs multi-session mode (MULTI_SESSION=1); in single-user mode use ?project=<name>');
      await sessions.switchTo(req, res, req.query.uuid);
      // A share link: the browser lands on the setup page of the shared project.
      res.redirect(302, '/setup');
    },
    post: async (req, res) => {
      if (!sessions) throw new AppError('single_project', 'Switching projects needs multi-session mode (MULTI_SESSION=1); in single-user mode use ?project=<name>');
      // 0.8 answered with the old project; the one switched to is what a client wants.
      res.json(await serializeProject(await sessions.switchTo(req, res, req.query.uuid)));
    },
  });

  return r;
}

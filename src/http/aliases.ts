// Label Studio 0.8's deprecated routes (api.md §5.23), kept because old scripts call
// them; registered only when the server is started from a command line (createApp's
// deprecatedRoutes), as 0.8 did. Most are the same handler under an old path: the request
// is re-pointed before routing. Those whose answers differ are answered here, and
// /upload/<file>, which old tasks.json files still point at.
import { Router, type RequestHandler } from 'express';
import type { ProjectContext } from '../services/context.ts';
import { completedTaskIds } from '../services/completions.ts';
import { removeBackend } from '../services/models.ts';
import { isJsonObject } from '../domain/types.ts';
import { sandbox } from './securityHeaders.ts';
import { after, serveUpload } from './data.ts';

/** `query`, when given, replaces the request's query string. */
const REWRITES: { method: string; from: RegExp; to: string; query?: string }[] = [
  { method: 'POST', from: /^\/api\/save-config\/?$/, to: '/api/project/config' },
  { method: 'POST', from: /^\/api\/import\/?$/, to: '/api/project/import' },
  { method: 'GET', from: /^\/api\/export\/?$/, to: '/api/project/export' },
  { method: 'GET', from: /^\/api\/projects\/1\/next\/?$/, to: '/api/project/next' },
  { method: 'DELETE', from: /^\/api\/tasks\/delete\/?$/, to: '/api/tasks' },
  { method: 'DELETE', from: /^\/api\/project\/completions\/?$/, to: '/api/completions' },
  { method: 'POST', from: /^\/api\/train\/?$/, to: '/api/models/train' },
  // The server's own /predict (not a backend's): a prediction for the posted task.
  { method: 'POST', from: /^\/predict\/?$/, to: '/api/models/predictions', query: 'mode=data' },
];

export const rewriteDeprecatedRoutes: RequestHandler = (req, _res, next) => {
  for (const r of REWRITES) {
    if (req.method === r.method && r.from.test(req.path)) {
      const q = req.url.indexOf('?');
      req.url = r.to + (r.query !== undefined ? `?${r.query}` : q >= 0 ? req.url.slice(q) : '');
      break;
    }
  }
  next();
};

export function deprecatedRouter(ctx: () => ProjectContext): Router {
  const r = Router();
  r.get('/api/projects/1/completions_ids', async (_req, res) => {
    res.json(await completedTaskIds(ctx()));
  });
  // DELETE /api/models under its old name and method.
  r.post('/api/remove-ml-backend', async (req, res) => {
    await removeBackend(ctx(), isJsonObject(req.body) ? req.body.name : undefined);
    res.status(204).end();
  });
  // The instruction is HTML anyone who can PATCH the project wrote: shown as it is, but
  // sandboxed, so a <script> in it cannot act on this origin.
  r.get('/api/projects/1/expert_instruction', async (_req, res) => {
    const { settings } = await ctx().store.config();
    sandbox(res).type('text/html').send(String(settings.instruction ?? ''));
  });
  r.get(/^\/upload\/.*/, (req, res) => {
    ctx().log.warn({ path: req.path }, 'GET /upload/<file> is deprecated; use /data/upload/<file>');
    return serveUpload(ctx(), after(req, '/upload/'), req, res);
  });
  return r;
}

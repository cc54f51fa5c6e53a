// POST /api/project/import: picks the input kind in 0.8's dispatch order (config-and-import
// §2.2) and hands the items to the import service.
import type { Request, RequestHandler, Response } from 'express';
import type { ProjectContext } from '../services/context.ts';
import { importError, importItems } from '../services/import.ts';

export function importHandler(ctx: () => ProjectContext): RequestHandler {
  return async (req: Request, res: Response) => {
    const started = performance.now();
    const c = ctx();
    if (req.is('application/json') || req.is('application/*+json')) {
      const body: unknown = req.body;
      let items: unknown[];
      if (Array.isArray(body)) items = body;
      else if (body && typeof body === 'object') items = [body];
      else if (body === null) throw importError('load_tasks: No tasks added');
      else throw importError('load_tasks: No data found in DATA or in FILES');
      const result = await importItems(c, items, { request: items.length }, started);
      res.status(201).json(result);
      return;
    }
    throw importError('load_tasks: No data found in DATA or in FILES');
  };
}

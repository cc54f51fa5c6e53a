// Wrong method on an existing route: 405 with Allow (0.8 answered GETs on such routes
// with its catch-all 404 page).
import type { RequestHandler, Router } from 'express';
import { AppError } from '../errors.ts';
import { sendError } from './errors.ts';

type Method = 'get' | 'post' | 'patch' | 'delete' | 'put';

export function route(router: Router, path: string, handlers: Partial<Record<Method, RequestHandler | RequestHandler[]>>): void {
  const r = router.route(path);
  const allowed: string[] = [];
  for (const [method, h] of Object.entries(handlers) as [Method, RequestHandler | RequestHandler[]][]) {
    r[method](...(Array.isArray(h) ? h : [h]));
    allowed.push(method.toUpperCase());
    if (method === 'get') allowed.push('HEAD');
  }
  r.all((req, res) => {
    if (req.method === 'OPTIONS') {
      res.set('Allow', [...allowed, 'OPTIONS'].join(', ')).status(200).end();
      return;
    }
    res.set('Allow', allowed.join(', '));
    sendError(res, new AppError('method_not_allowed', `Method ${req.method} is not allowed here; use ${allowed.join(', ')}`));
  });
}

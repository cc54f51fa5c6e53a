// HTTP Basic auth, on only when a password is set (0.8 §1.3). The health check is left
// open so load balancers and scripts can probe it.
import type { RequestHandler } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.ts';
import { sendError } from './errors.ts';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function basicAuth(username: string, password: string): RequestHandler {
  return (req, res, next) => {
    // The health check stays open, with or without its trailing slash.
    if (!password || req.path === '/api/health' || req.path === '/api/health/') return next();
    const header = req.headers.authorization ?? '';
    const m = /^Basic\s+(\S+)$/i.exec(header);
    if (m) {
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i >= 0 && same(decoded.slice(0, i), username) && same(decoded.slice(i + 1), password)) {
        res.locals.user = username;
        return next();
      }
    }
    res.set('WWW-Authenticate', 'Basic realm="Login Required"');
    sendError(res, new AppError('unauthorized', 'Could not verify your access level for that URL. You have to login with proper credentials'));
  };
}

/**
 * Who is labeling: the annotator cookie, else ?annotator=, else the Basic-auth user.
 * Basic auth has one shared account, so its user name cannot tell annotators apart: put
 * first, it made every annotator the same one, and all of them were handed the task
 * that "one" held.
 */
export function annotatorOf(req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1]): string | undefined {
  return namedAnnotator(req) ?? (typeof res.locals.user === 'string' ? res.locals.user : undefined);
}

function namedAnnotator(req: Parameters<RequestHandler>[0]): string | undefined {
  const cookie = /(?:^|;\s*)annotator=([^;]+)/.exec(req.headers.cookie ?? '');
  if (cookie && cookie[1]) {
    try {
      return decodeURIComponent(cookie[1]);
    } catch {
      return cookie[1];
    }
  }
  const q = req.query.annotator;
  if (typeof q === 'string' && q !== '') return q;
  return undefined;
}

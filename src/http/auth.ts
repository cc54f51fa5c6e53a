// HTTP Basic auth, on only when a password is set (0.8 §1.3). The health check is left
// open so load balancers and scripts can probe it. Failed logins are counted per client
// address; past AUTH_MAX_FAILURES in AUTH_FAILURE_WINDOW_SECONDS the address gets 429.
import type { RequestHandler } from 'express';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Settings } from '../settings.ts';
import { AppError } from '../errors.ts';
import { sendError } from './errors.ts';
import { clientKey, LoginLimiter } from './loginLimiter.ts';
import { isHealthCheck } from './misc.ts';

const DENIED = 'Could not verify your access level for that URL. You have to login with proper credentials';

export function basicAuth(settings: Pick<Settings, 'AUTH_USERNAME' | 'AUTH_PASSWORD' | 'AUTH_MAX_FAILURES' | 'AUTH_FAILURE_WINDOW_SECONDS'>): RequestHandler {
  const password = settings.AUTH_PASSWORD;
  const username = settings.AUTH_USERNAME;
  if (!password) return (_req, _res, next) => next();
  // Secrets are compared in time that depends neither on where they differ nor on their
  // lengths: both sides are hashed to 32 bytes (HMAC with a key of this process, so the
  // digests are worthless outside it) and the digests compared with timingSafeEqual.
  // Comparing the strings returned early on a length mismatch, telling the length.
  const key = randomBytes(32);
  const digest = (s: string) => createHmac('sha256', key).update(s, 'utf8').digest();
  const userDigest = digest(username);
  const passwordDigest = digest(password);
  const matches = (sent: string, expected: Buffer) => timingSafeEqual(digest(sent), expected);
  const limiter = new LoginLimiter({ maxFailures: settings.AUTH_MAX_FAILURES, windowMs: settings.AUTH_FAILURE_WINDOW_SECONDS * 1000 });

  return (req, res, next) => {
    if (isHealthCheck(req.path)) return next();
    // req.ip is the socket's address, or X-Forwarded-For's when TRUST_PROXY names the proxy.
    const client = clientKey(req.ip ?? req.socket.remoteAddress);
    const wait = limiter.retryAfter(client);
    if (wait > 0) {
      res.set('Retry-After', String(wait));
      return next(new AppError('too_many_failed_logins', `Too many failed logins from your address; try again in ${wait} seconds`));
    }
    const header = req.headers.authorization;
    const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
    if (m) {
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      // Both compared whatever the first gives, so the time does not tell a right user name.
      const userOk = matches(i >= 0 ? decoded.slice(0, i) : decoded, userDigest);
      const passwordOk = matches(i >= 0 ? decoded.slice(i + 1) : '', passwordDigest);
      if (i >= 0 && userOk && passwordOk) {
        res.locals.user = username;
        return next();
      }
    }
    // A request without credentials is no guess (a browser asks first, then prompts):
    // only wrong credentials count.
    if (header !== undefined) limiter.recordFailure(client);
    res.set('WWW-Authenticate', 'Basic realm="Login Required"');
    sendError(res, new AppError('unauthorized', DENIED));
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

/** The annotator cookie's value (percent-decoded), if the request has one. */
export function annotatorCookie(req: Parameters<RequestHandler>[0]): string | undefined {
  const cookie = /(?:^|;\s*)annotator=([^;]+)/.exec(req.headers.cookie ?? '');
  if (!cookie || !cookie[1]) return undefined;
  try {
    return decodeURIComponent(cookie[1]);
  } catch {
    return cookie[1];
  }
}

function namedAnnotator(req: Parameters<RequestHandler>[0]): string | undefined {
  const cookie = annotatorCookie(req);
  if (cookie !== undefined) return cookie;
  const q = req.query.annotator;
  if (typeof q === 'string' && q !== '') return q;
  return undefined;
}

// Headers every response carries, errors, 404s and files included, and the sandbox for
// the two answers that carry HTML or text a client chose.
import type { RequestHandler, Response } from 'express';

/**
 * - nosniff: a browser shows a response only as its Content-Type says (a JSON error or a
 *   CSV with "<script>" in it is never run as HTML).
 * - No framing (X-Frame-Options for older browsers, frame-ancestors for the rest): no
 *   page, ours included, puts this server in a frame, so none may (clickjacking). The
 *   labeling page is served top-level.
 */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Content-Security-Policy', "frame-ancestors 'none'");
  next();
};

/**
 * For answers whose content comes from users (the project's instruction HTML, the
 * sample CSV that echoes its query): opened in a browser, the document gets a unique
 * origin and no scripts, so it cannot act on this server with the user's rights.
 */
export function sandbox(res: Response): Response {
  return res.setHeader('Content-Security-Policy', "sandbox; frame-ancestors 'none'");
}

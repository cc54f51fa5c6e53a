// One log line a request, when its answer is done:
//   POST /api/project/import 201 12ms 1000 tasks        (info, with reqId)
//   GET /api/tasks/abc 400 1ms: id must be a non-negative integer, got "abc"   (info, reqId, code)
//   GET /api/project/export 500 3ms: <the error's message>                     (error, reqId)
// A route may add a short summary (the import's task count); a 4xx/5xx carries its reason
// (the answer's detail, and the error's code when the catalogue raised it). Headers are
// logged only at debug, without authorization and cookies.
//
// This replaces pino-http, which built and serialized req/res objects for every request:
// here the common case is one string and one write, so that /api/health stays near an
// Express hello-world (bench/health-vs-hello.ts). The request id is sent back on every
// answer as X-Request-Id, and is the reqId of every line about the request.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Express, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

declare module 'http' {
  interface IncomingMessage {
    /** The request id, also sent as X-Request-Id. */
    id: string;
    /** A logger whose lines carry the request id (made on first use). */
    log: Logger;
  }
}

/** What the request line says about an answer besides its status. */
interface LogNotes {
  summary?: string;
  reason?: string;
  code?: string;
}

const NOTES = Symbol('requestLogNotes');
type Noted = Response & { [NOTES]?: LogNotes };

function notes(res: Response): LogNotes {
  return ((res as Noted)[NOTES] ??= {});
}

/** A short human summary for the request line, e.g. "1000 tasks". */
export function logSummary(res: Response, summary: string): void {
  notes(res).summary = summary;
}

/** Why a request failed, for its line (the first reason noted wins). */
export function logReason(res: Response, reason: string, code?: string): void {
  const n = notes(res);
  n.reason ??= reason;
  if (code !== undefined) n.code ??= code;
}

const MAX_REASON = 300;

/** The reason an error body gives: {"detail"}, 0.8's {"label_config": [...]}, a list of messages, text. */
function reasonOfBody(body: unknown): string {
  let text: string;
  if (typeof body === 'string') text = body;
  else if (Array.isArray(body)) text = body.map(String).join('; ');
  else if (body !== null && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (typeof b.detail === 'string') text = b.detail;
    else if (Array.isArray(b.label_config)) text = b.label_config.map(String).join('; ');
    else text = JSON.stringify(body);
  } else text = String(body);
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON)}...` : text;
}

const HIDDEN_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

function shownHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = { ...headers };
  for (const h of HIDDEN_HEADERS) if (copy[h] !== undefined) copy[h] = '[Redacted]';
  return copy;
}

/**
 * Wires the request log into an app: the middleware (mount it first), and two hooks on
 * this app's own request/response prototypes (not Node's), which cost nothing per request:
 * `req.log`, a child logger with the request id made only when something logs through
 * it, and the reason of a 4xx/5xx taken from the body as it is sent, so the routes that
 * answer an error themselves (405, 404 "No more tasks", 401) need no extra code.
 */
export function requestLog(app: Express, logger: Logger): RequestHandler {
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: Request & { _log?: Logger }) {
      return (this._log ??= logger.child({ reqId: this.id }));
    },
    set(this: Request & { _log?: Logger }, value: Logger) {
      this._log = value;
    },
  });
  const send = app.response.send;
  const json = app.response.json;
  app.response.json = function (this: Response, body?: unknown) {
    if (this.statusCode >= 400 && (this as Noted)[NOTES]?.reason === undefined) logReason(this, reasonOfBody(body));
    return json.call(this, body);
  };
  app.response.send = function (this: Response, body?: unknown) {
    if (this.statusCode >= 400 && typeof body === 'string' && (this as Noted)[NOTES]?.reason === undefined) logReason(this, reasonOfBody(body));
    return send.call(this, body);
  };

  return (req, res, next) => {
    const started = performance.now();
    // The path as the client sent it (deprecated routes are re-pointed later), without the
    // query string, which may carry names and is not needed to tell requests apart.
    const url = req.url;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const id = randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    // 'close' comes once per answer, finished or cut short (on() spares once()'s wrapper).
    res.on('close', () => {
      const status = res.statusCode;
      const ms = Math.round(performance.now() - started);
      const n = (res as Noted)[NOTES];
      let msg = `${req.method} ${path} ${status} ${ms}ms`;
      if (!res.writableFinished) msg += ' (connection closed before the answer was complete)';
      if (n?.summary) msg += ` ${n.summary}`;
      if (status >= 400 && n?.reason) msg += `: ${n.reason}`;
      // 503 and 507 say the store cannot write: the store logs that once at error level,
      // the requests it refuses meanwhile are warnings.
      const level = status === 503 || status === 507 ? 'warn' : status >= 500 ? 'error' : 'info';
      const debug = logger.isLevelEnabled('debug');
      if (!debug && n?.code === undefined) logger[level]({ reqId: id }, msg);
      else logger[level]({ reqId: id, ...(n?.code !== undefined ? { code: n.code } : {}), ...(debug ? { headers: shownHeaders(req.headers) } : {}) }, msg);
    });
    next();
  };
}

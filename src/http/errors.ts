// One catalogue of errors: an HttpError carries a status, a stable code and a message;
// one middleware turns it into JSON. Client errors are 4xx with {"detail"} (0.8 sent a
// 500 envelope with a traceback for most of them); an unknown exception is a 500 with the
// request id, and its stack goes only to the log.
import type { ErrorRequestHandler } from 'express';
import { logReason } from './requestLog.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** A body other than {"status", "detail"}: the shapes 0.8 clients expect on some routes. */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export const badRequest = (detail: string, code = 'bad_request') => new HttpError(400, code, detail);
export const notFound = (detail: string) => new HttpError(404, 'not_found', detail);
/**
 * A 422 with the exact body 0.8 sent, {"detail": "..."} without "status": 0.8 answered
 * these (bad page/order, deletes not allowed) with a 422 of its own, not its 500 envelope,
 * and scripts written against it compare the body.
 */
export const unprocessableAs08 = (detail: string, code = 'unprocessable') => new HttpError(422, code, detail, { detail });

/** Parses a path id strictly: "12abc" and "-1" are not ids. */
export function parseId(raw: unknown, what = 'id'): number {
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) throw badRequest(`${what} must be a non-negative integer, got ${JSON.stringify(raw ?? '')}`, 'bad_id');
  return Number(raw);
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (res.headersSent) {
    req.log?.error({ err }, 'error after the response started');
    res.destroy();
    return;
  }
  if (err instanceof HttpError) {
    logReason(res, err.message, err.code);
    res.status(err.status).json(err.body ?? { status: err.status, detail: err.message });
    return;
  }
  // Errors raised by body parsers and multer carry a status or a code of their own.
  const e = err as { type?: string; status?: number; statusCode?: number; message?: string; code?: string; limit?: number };
  if (e.type === 'entity.too.large' || e.code === 'LIMIT_FILE_SIZE') {
    res.status(413).json({ status: 413, detail: `Request body is larger than the limit${e.limit ? ` of ${e.limit} bytes` : ''}` });
    return;
  }
  if (e.type === 'entity.parse.failed') {
    res.status(400).json({ status: 400, detail: `Malformed JSON body: ${e.message}` });
    return;
  }
  if (typeof e.code === 'string' && e.code.startsWith('LIMIT_')) {
    res.status(400).json({ status: 400, detail: e.message ?? 'Bad multipart request' });
    return;
  }
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    res.status(status).json({ status, detail: e.message ?? 'Bad request' });
    return;
  }
  // The request line gives the real reason (the body only says "Internal server error");
  // this line adds the stack.
  logReason(res, `${(err as Error)?.name ?? 'Error'}: ${e.message ?? String(err)}`);
  req.log?.error({ err }, 'unhandled error');
  res.status(500).json({ status: 500, detail: 'Internal server error', request_id: String(req.id ?? '') });
};

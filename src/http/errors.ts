// Turns errors into replies: an AppError of the catalogue (src/errors.ts) is sent as its
// JSON body; errors of the body parsers and multer get their catalogue code here; an
// unknown exception is a 500 with the request id, its stack only in the log. The code and
// detail of every error reply go on the request's log line (requestLog.ts).
import type { ErrorRequestHandler, Response } from 'express';
import { AppError, badRequest, isSystemError, storageError } from '../errors.ts';
import { logReason } from './requestLog.ts';

/** Parses a path id strictly: "12abc" and "-1" are not ids. */
export function parseId(raw: unknown, what = 'id'): number {
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) throw badRequest(`${what} must be a non-negative integer, got ${JSON.stringify(raw ?? '')}`, 'bad_id');
  return Number(raw);
}

/** Sends an error of the catalogue. */
export function sendError(res: Response, err: AppError): void {
  logReason(res, err.message, err.code);
  res.status(err.status).json(err.body());
}

/** The catalogue error for what body parsers, multer and the file system throw. */
function known(err: unknown, folder: string): AppError | undefined {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number; statusCode?: number; message?: string; code?: string; limit?: number };
  if (e.type === 'entity.too.large' || e.code === 'LIMIT_FILE_SIZE') {
    return new AppError('body_too_large', `Request body is larger than the limit${e.limit ? ` of ${e.limit} bytes` : ''}`);
  }
  if (e.type === 'entity.parse.failed') return new AppError('malformed_json', `Malformed JSON body: ${e.message}`);
  if (typeof e.code === 'string' && e.code.startsWith('LIMIT_')) return new AppError('bad_multipart', e.message ?? 'Bad multipart request');
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 413) return new AppError('body_too_large', e.message ?? 'Request body is too large');
    if (status === 415) return new AppError('wrong_content_type', e.message ?? 'Unsupported media type');
    return new AppError('bad_request', e.message ?? 'Bad request');
  }
  // A system call that failed outside the store (a temporary upload file, say).
  if (isSystemError(err) && (err.code === 'ENOSPC' || err.code === 'EDQUOT' || err.code === 'EIO' || err.code === 'EROFS')) {
    return storageError(err, err.path ? String(err.path) : folder);
  }
  return undefined;
}

export function errorHandler(folder: () => string): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) {
      req.log?.error({ err }, 'error after the response started');
      res.destroy();
      return;
    }
    const appErr = known(err, folder());
    if (appErr) return sendError(res, appErr);
    // The request line gives the real reason (the body only says "Internal server error");
    // this line adds the stack.
    logReason(res, `${(err as Error)?.name ?? 'Error'}: ${(err as Error)?.message ?? String(err)}`);
    req.log?.error({ err }, 'unhandled error');
    sendError(res, new AppError('internal', 'Internal server error', { request_id: String(req.id ?? '') }));
  };
}

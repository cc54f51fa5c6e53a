// Body readers shared by the routers.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { isJsonObject } from '../domain/types.ts';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../util/json.ts';
import { AppError, badRequest } from '../errors.ts';
import { MAX_CONFIG_BYTES } from '../labelConfig/parse.ts';

/** JSON bodies for application/json and +json types only (0.8 ignored other bodies). */
export function jsonBody(limit: number) {
  const parse = express.json({ limit, type: ['application/json', 'application/*+json'], strict: false });
  return (req: Request, res: Response, next: NextFunction) => {
    // No body (a GET, most DELETEs): nothing to parse, so skip the parser and this
    // callback, which every request would otherwise pay for (the test is type-is's hasBody).
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return next();
    parse(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (nestedDeeperThan(req.body, MAX_JSON_DEPTH)) return next(badRequest(`JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`, 'too_deep'));
      next();
    });
  };
}

/** Raw text of XML, plain-text and urlencoded bodies (for the label config routes). */
export function textBody(limit: number) {
  return express.text({ limit, type: ['application/xml', 'text/xml', 'text/plain', 'application/x-www-form-urlencoded'] });
}

/**
 * What a multipart form of the config routes may hold: a few fields (label_config and
 * the like), none larger than twice the largest label config. A field just over
 * MAX_CONFIG_BYTES still reaches the config parser, whose "too large" message names the
 * limit; without these caps the form could hold unlimited fields of MAX_BODY_SIZE each
 * in memory.
 */
export const MULTIPART_FIELD_LIMITS = { fields: 20, fieldSize: 2 * MAX_CONFIG_BYTES };

/**
 * Form fields of a multipart body without files. A body busboy cannot read (no boundary,
 * cut short) is the client's fault: 400, not the 500 its plain Error would become.
 * multer's own limit errors carry a code the error handler maps.
 */
export function multipartFields(limit: number) {
  const { fields, fieldSize } = MULTIPART_FIELD_LIMITS;
  const m = multer({ limits: { fields, fieldSize: Math.min(limit, fieldSize), files: 0 } }).none();
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.is('multipart/form-data')) return next();
    m(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as { code?: unknown; message?: string };
      if (typeof e.code === 'string' && e.code.startsWith('LIMIT_')) return next(err);
      next(badRequest(`Bad multipart request: ${e.message ?? 'unreadable body'}`, 'bad_multipart'));
    });
  };
}

/**
 * The label config of a request: the form field label_config (multipart or urlencoded)
 * wins, then a JSON body's label_config, then a raw XML body (curl --data @config.xml
 * sends it as urlencoded, which is why a body that starts with "<" is taken as XML).
 * Returns undefined when there is none, or a non-string when the JSON value is not one.
 */
export function labelConfigOf(req: Request, options: { json: boolean; raw: boolean }): unknown {
  const body: unknown = req.body;
  if (req.is('multipart/form-data')) return isJsonObject(body) ? body.label_config : undefined;
  if (typeof body === 'string') {
    if (req.is('application/x-www-form-urlencoded')) {
      const trimmed = body.trimStart();
      if (trimmed.startsWith('<')) return options.raw ? body : undefined;
      const form = new URLSearchParams(body);
      return form.get('label_config') ?? undefined;
    }
    return options.raw ? body : undefined;
  }
  if (options.json && req.is('application/json') && isJsonObject(body)) return 'label_config' in body ? body.label_config : null;
  return undefined;
}

/**
 * Largest request body of the config routes: twice the largest config (a form encodes
 * "<", ">", '"' and "=" in three characters each, JSON escapes quotes and line ends) plus
 * room for the setup page's other form fields. A config just over MAX_CONFIG_BYTES still
 * fits, and reaches the parser whose message names the config limit.
 */
export const CONFIG_BODY_LIMIT = 2 * MAX_CONFIG_BYTES + 64 * 1024;

/**
 * Routes whose body is a label config, as app.use matches them (any case, trailing
 * slash). /api/save-config is re-pointed to /api/project/config before bodies are read;
 * it is listed too so that order is not what keeps it small.
 */
export const CONFIG_ROUTES = ['/api/project/config', '/api/validate-config', '/api/import-example', '/api/save-config'];

type Handler = (req: Request, res: Response, next: NextFunction) => void;

function runInTurn(handlers: Handler[], req: Request, res: Response, done: (err?: unknown) => void): void {
  let i = 0;
  const step = (err?: unknown) => {
    if (err || i === handlers.length) return done(err);
    handlers[i++]!(req, res, step);
  };
  step();
}

/**
 * Reads the body of a config route (JSON, XML, plain text, urlencoded or multipart
 * fields) up to CONFIG_BODY_LIMIT (or MAX_BODY_SIZE if smaller), and refuses a larger one
 * with 413 as soon as it is known to be larger: at once when Content-Length says so,
 * else when the bytes received pass the limit. The connection is then closed instead of
 * read to its end: body-parser would otherwise read (and drop) the whole body before
 * answering, 200 MB for a 200 MB body, and busboy reads any amount of text before the
 * first part.
 */
export function configBody(maxBodySize: number): RequestHandler {
  const limit = Math.min(maxBodySize, CONFIG_BODY_LIMIT);
  const parsers: Handler[] = [jsonBody(limit), textBody(limit), multipartFields(limit)];
  const tooLarge = (res: Response, size: string) => {
    res.set('Connection', 'close');
    return new AppError('config_body_too_large', `A label config request may be at most ${limit} bytes (the config itself at most ${MAX_CONFIG_BYTES}); this one is ${size} bytes`);
  };
  return (req, res, next) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) return next(tooLarge(res, String(declared)));
    let received = 0;
    let refused = false;
    const count = (chunk: Buffer) => {
      received += chunk.length;
      if (refused || received <= limit) return;
      refused = true;
      req.unpipe();
      req.pause();
      next(tooLarge(res, `over ${limit}`));
    };
    req.on('data', count);
    runInTurn(parsers, req, res, (err) => {
      req.off('data', count);
      // After a refusal the parsers end with "aborted" once the connection closes.
      if (!refused) next(err);
    });
  };
}

// Body readers shared by the routers.
import express, { type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import { isJsonObject } from '../domain/types.ts';
import { badRequest } from './errors.ts';
import { MAX_CONFIG_BYTES } from '../labelConfig/parse.ts';

/**
 * Deepest nesting of arrays and objects a JSON body may have. Real tasks and completions
 * nest a few levels; a body nested thousands deep makes JSON.stringify and every
 * recursive copy overflow the stack after the request was accepted.
 */
export const MAX_JSON_DEPTH = 100;

/** Whether value nests deeper than max (iterative: recursion would overflow on such input). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: [object, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

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

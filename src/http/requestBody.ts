// Body readers shared by the routers.
import express, { type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import { isJsonObject } from '../domain/types.ts';

/** JSON bodies for application/json and +json types only (0.8 ignored other bodies). */
export function jsonBody(limit: number) {
  return express.json({ limit, type: ['application/json', 'application/*+json'], strict: false });
}

/** Raw text of XML, plain-text and urlencoded bodies (for the label config routes). */
export function textBody(limit: number) {
  return express.text({ limit, type: ['application/xml', 'text/xml', 'text/plain', 'application/x-www-form-urlencoded'] });
}

/** Form fields of a multipart body without files. */
export function multipartFields(limit: number) {
  const m = multer({ limits: { fieldSize: limit, files: 0 } }).none();
  return (req: Request, res: Response, next: NextFunction) => (req.is('multipart/form-data') ? m(req, res, next) : next());
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

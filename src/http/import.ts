// POST /api/project/import: picks the input in 0.8's dispatch order (config-and-import
// §2.2): uploaded files, else a url form field, else a JSON body. Uploads and downloads
// are streamed into a temporary folder that is removed when the request ends.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { AppError } from '../errors.ts';
import type { ProjectContext } from '../services/context.ts';
import { importError, importFiles, importItems, importUrl, type ImportOptions, type ImportResult } from '../services/import.ts';
import { ImportFailure, NO_DATA, NO_TASKS, tooManyBytes } from '../importers/errors.ts';
import { receiveMultipart } from '../importers/multipart.ts';
import { logSummary } from './requestLog.ts';

const FORM_LIMIT = 1024 * 1024;
const urlencoded = express.urlencoded({ extended: false, limit: FORM_LIMIT });

function flag(v: unknown): boolean {
  return v === '1' || v === 'true' || v === 'yes';
}

async function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'ls-import-'));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function readForm(req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => urlencoded(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
}

async function fromMultipart(c: ProjectContext, req: Request, res: Response, options: ImportOptions): Promise<ImportResult> {
  const max = c.settings.MAX_UPLOAD_SIZE;
  // Refused before reading when the client says how big it is (the body is then discarded).
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > max) throw importError(tooManyBytes(max, declared).message, 413);
  return withTempDir(async (tempDir) => {
    let body;
    try {
      body = await receiveMultipart(req, res, { tempDir, maxBytes: max });
    } catch (err) {
      if (err instanceof ImportFailure) throw importError(err.message, err.status);
      throw err;
    }
    if (body.files.length) return importFiles(c, body.files, { tempDir }, options);
    // Not in 0.8 (it wanted a urlencoded form), but `curl -F url=...` is the natural way to ask.
    if (typeof body.fields.url === 'string') return importUrl(c, body.fields.url, { tempDir }, options);
    throw importError(NO_DATA);
  });
}

/**
 * `curl -d '[{"text": "a"}]' .../import` sends JSON as a urlencoded form (curl's default
 * type): the form then has one field named after the JSON. Say what to send instead of
 * "no data found".
 */
function jsonSentAsForm(form: Record<string, unknown>): AppError | undefined {
  const first = Object.keys(form)[0]?.trimStart();
  if (first === undefined || !(first.startsWith('[') || first.startsWith('{'))) return undefined;
  return new AppError(
    'wrong_content_type',
    "The body looks like JSON but was sent as a form (Content-Type: application/x-www-form-urlencoded, what curl -d sends); send it with Content-Type: application/json (curl -H 'Content-Type: application/json' -d ...)",
  );
}

async function fromUrlForm(c: ProjectContext, req: Request, res: Response, options: ImportOptions): Promise<ImportResult> {
  await readForm(req, res);
  const form = (req.body ?? {}) as Record<string, unknown>;
  const url: unknown = form.url;
  if (typeof url !== 'string' || url.trim() === '') throw jsonSentAsForm(form) ?? importError(NO_DATA);
  return withTempDir((tempDir) => importUrl(c, url, { tempDir }, options));
}

function fromJson(c: ProjectContext, body: unknown, options: ImportOptions): Promise<ImportResult> {
  let items: unknown[];
  if (Array.isArray(body)) items = body;
  else if (body && typeof body === 'object') items = [body];
  // 0.8 validated [], {} and null as one empty form; "nothing to add" says it plainly.
  else if (body === null) throw importError(NO_TASKS);
  else throw importError(NO_DATA);
  return importItems(c, items, { request: items.length }, options);
}

/**
 * A signal that fires when the client goes away before its answer is sent, so a URL
 * download does not run on for minutes for nobody. It listens on the response: the
 * request's own 'close' fires as soon as its body has been read, the client still there.
 */
function clientGone(res: Response): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort(new Error('the client closed the connection'));
  });
  return gone.signal;
}

export function importHandler(ctx: () => ProjectContext): RequestHandler {
  return async (req: Request, res: Response) => {
    const c = ctx();
    const options: ImportOptions = { dedupe: flag(req.query.dedupe), startedAt: performance.now(), signal: clientGone(res) };
    let result: ImportResult;
    if (req.is('multipart/form-data')) result = await fromMultipart(c, req, res, options);
    else if (req.is('application/x-www-form-urlencoded')) result = await fromUrlForm(c, req, res, options);
    else if (req.is('application/json') || req.is('application/*+json')) result = await fromJson(c, req.body, options);
    else throw importError(NO_DATA);
    logSummary(res, `${result.task_count} task${result.task_count === 1 ? '' : 's'}`);
    res.status(201).json(result);
  };
}

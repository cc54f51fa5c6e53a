// The web pages: the labeling page (GET /, GET /?task_id=N) built on the Label Studio
// Frontend, and the project pages (tasks, setup, import, export, stats), plus the files
// they load. Mounted after auth, so pages and files are behind the same password as the
// API; every page's requests are same-origin, so the cross-site write check lets them by.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { ProjectContext } from '../services/context.ts';
import { AppError } from '../errors.ts';
import { FRONTEND } from '../pages/frontend.ts';
import { pagePath, renderErrorPage, renderPage, type PageFrame } from '../pages/layout.ts';
import { projectParam } from './projectScope.ts';
import { labelConfigLine } from '../labelConfig/parse.ts';
import { annotatorCookie } from './auth.ts';
import { parseId } from './errors.ts';
import { route } from './methods.ts';
import { logReason } from './requestLog.ts';

/** web/static/: our own scripts and styles (hand-written, served as they are). */
const WEB_STATIC = fileURLToPath(new URL('../../web/static/', import.meta.url));

/**
 * What the pages may load. Scripts only from this server, and never inline or eval: a
 * label config, an instruction or a task's HTML (shown by HyperText) cannot run code
 * here. Replaces the default policy (frame-ancestors 'none' stays).
 */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The labeling page shows tasks: their images, audio, video, PDFs and time series come from
 * wherever the task's URLs point (the audio and CSV ones are fetched), so those are open.
 * The LSF bundle needs two exceptions: 'unsafe-eval', because it fills "$key" values of
 * the config through a small template engine built on new Function (without it every
 * text and choice label is blank), and 'unsafe-inline' styles for the style elements and
 * attributes of its components. Inline scripts stay refused: HTML in a task (HyperText),
 * the instruction or a config cannot add a script or an event handler.
 */
const LABELING_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  'img-src * data: blob:',
  'media-src * data: blob:',
  'connect-src * data: blob:',
  'frame-src * data: blob:',
  'object-src * data: blob:',
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const ANNOTATOR_COOKIE_SECONDS = 365 * 24 * 3600;

/**
 * The browser's annotator name: the annotator cookie, set here when missing to a name of
 * its own (annotator-3f9a1c), so two browsers are two annotators for next()'s
 * reservations and completed_by. The page's header shows it and can change it (the cookie
 * is not HttpOnly for that: it is a name, not a secret).
 */
function pageAnnotator(req: Request, res: Response): string {
  const current = annotatorCookie(req);
  if (current) return current;
  const name = `annotator-${randomBytes(3).toString('hex')}`;
  res.cookie('annotator', name, { path: '/', maxAge: ANNOTATOR_COOKIE_SECONDS * 1000, sameSite: 'lax', secure: req.secure, encode: encodeURIComponent });
  return name;
}

function sendPage(res: Response, html: string, csp = PAGE_CSP): void {
  res.setHeader('Content-Security-Policy', csp);
  res.setHeader('Cache-Control', 'no-store');
  res.type('html').send(html);
}

/** A page handler whose catalogue errors are shown as a page (a person reads it), not as JSON. */
function page(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return async (req, res) => {
    try {
      await handler(req, res);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      logReason(res, err.message, err.code);
      res.status(err.status);
      sendPage(res, renderErrorPage(err.status, err.code, err.message));
    }
  };
}

export function pagesRouter(ctx: () => ProjectContext): Router {
  const r = Router();

  // The LSF bundle, under its version: cached for a year, a new version is a new URL.
  r.use(FRONTEND.urlPrefix, express.static(FRONTEND.staticDir, { index: false, maxAge: '365d', immutable: true, redirect: false }));
  r.use('/static', express.static(WEB_STATIC, { index: false, redirect: false }));

  const frame = async (req: Request, res: Response, f: Omit<PageFrame, 'annotator' | 'counts'>): Promise<string> => {
    const counts = await ctx().store.counts();
    return renderPage({ ...f, project: projectParam(req), annotator: pageAnnotator(req, res), counts });
  };

  route(r, '/', {
    get: page(async (req, res) => {
      const c = ctx();
      const rawId = req.query.task_id;
      let taskId: number | null = null;
      if (rawId !== undefined) {
        taskId = parseId(rawId, 'task_id');
        if (!(await c.store.get(taskId))) throw new AppError('not_found', `Task ${taskId} not found`);
      } else if ((await c.store.counts()).tasks === 0) {
        // Nothing to label yet: 0.8 sent people to its welcome page; ours is the import page.
        return res.redirect(302, pagePath('/import', projectParam(req)));
      }
      const { settings, labelConfig } = await c.store.config();
      const html = await frame(req, res, {
        page: 'label',
        title: taskId === null ? 'Label' : `Task ${taskId}`,
        body: '<div id="label-studio" class="lsf"></div>',
        data: {
          labelConfig: labelConfigLine(labelConfig),
          instruction: typeof settings.instruction === 'string' ? settings.instruction : '',
          taskId,
          hideSkip: false,
        },
        styles: [`${FRONTEND.urlPrefix}/css/main.css`],
        scripts: [`${FRONTEND.urlPrefix}/js/main.js`, '/static/js/labeling.js'],
      });
      sendPage(res, html, LABELING_CSP);
    }),
  });

  route(r, '/tasks', {
    get: page(async (req, res) => {
      sendPage(res, await frame(req, res, { page: 'tasks', title: 'Tasks', body: TASKS_BODY, scripts: ['/static/js/tasks.js'] }));
    }),
  });

  route(r, '/setup', {
    get: page(async (req, res) => {
      const { labelConfig } = await ctx().store.config();
      sendPage(res, await frame(req, res, { page: 'setup', title: 'Setup', body: SETUP_BODY, data: { labelConfig }, scripts: ['/static/js/setup.js'] }));
    }),
  });

  route(r, '/import', {
    get: page(async (req, res) => {
      sendPage(res, await frame(req, res, { page: 'import', title: 'Import', body: IMPORT_BODY, scripts: ['/static/js/import.js'] }));
    }),
  });

  route(r, '/export', {
    get: page(async (req, res) => {
      sendPage(res, await frame(req, res, { page: 'export', title: 'Export', body: EXPORT_BODY, scripts: ['/static/js/export.js'] }));
    }),
  });

  route(r, '/stats', {
    get: page(async (req, res) => {
      sendPage(res, await frame(req, res, { page: 'stats', title: 'Stats', body: STATS_BODY, scripts: ['/static/js/stats.js'] }));
    }),
  });

  return r;
}

const TASKS_BODY = `<h1>Tasks</h1>
<div class="toolbar">
  <label>Order <select id="order">
    <option value="id">id</option>
    <option value="-id">id, newest first</option>
    <option value="-completed_at">completed, latest first</option>
    <option value="completed_at">completed, earliest first</option>
    <option value="-has_cancelled_completions">most skips first</option>
  </select></label>
  <label>Per page <select id="page-size"><option>10</option><option selected>30</option><option>100</option></select></label>
  <span class="spacer"></span>
  <button type="button" id="delete-all" class="danger">Delete all tasks</button>
</div>
<table class="grid" id="tasks">
  <thead><tr><th>id</th><th>data</th><th>completed at</th><th>completions</th><th>skipped</th><th></th></tr></thead>
  <tbody></tbody>
</table>
<p class="empty" id="no-tasks" hidden>No tasks yet. <a href="/import">Import some.</a></p>
<div class="pager"><button type="button" id="prev">‹ Previous</button> <span id="page-info"></span> <button type="button" id="next">Next ›</button></div>
<p class="message" id="message" role="status"></p>`;

const SETUP_BODY = `<h1>Labeling setup</h1>
<div class="setup">
  <section class="editor">
    <label for="template">Start from a template</label>
    <select id="template"><option value="">Choose one of the example configs…</option></select>
    <label for="config">Labeling config (XML)</label>
    <textarea id="config" spellcheck="false" rows="22"></textarea>
    <div class="actions"><button type="button" id="save" class="primary">Save</button> <span id="save-status" role="status"></span></div>
  </section>
  <section class="checks">
    <h2>Validation</h2>
    <div id="validation" role="status" aria-live="polite"></div>
  </section>
</div>`;

const IMPORT_BODY = `<h1>Import tasks</h1>
<div class="import">
  <section>
    <h2>Files</h2>
    <label class="drop" id="drop" tabindex="0">
      <input type="file" id="files" multiple>
      <span>Drop files here or click to choose: JSON, CSV, TSV, TXT, ZIP, or images, audio and other media.</span>
    </label>
    <ul id="file-list"></ul>
  </section>
  <section>
    <h2>Or paste JSON</h2>
    <textarea id="json" rows="8" spellcheck="false" placeholder='[{"text": "first task"}, {"text": "second task"}]'></textarea>
  </section>
</div>
<div class="actions"><label><input type="checkbox" id="dedupe"> skip tasks already in the project</label> <button type="button" id="import" class="primary">Import</button></div>
<div id="upload" hidden><progress id="upload-bar" max="1" value="0"></progress> <span id="upload-status"></span></div>
<div id="result" role="status"></div>
<ul id="errors" class="errors"></ul>`;

const EXPORT_BODY = `<h1>Export</h1>
<form id="export-form" class="export">
  <fieldset><legend>Format</legend><div id="formats">Loading the formats…</div></fieldset>
  <label><input type="checkbox" id="zip"> as a zip (what Label Studio 0.8 sent)</label>
  <div class="actions"><button type="submit" class="primary" id="download">Download</button></div>
</form>
<p class="message" id="message" role="status"></p>`;

const STATS_BODY = `<h1>Stats</h1>
<div id="stats-summary" class="summary"></div>
<section><h2>Completions per label</h2><div id="labels-chart" class="chart"></div></section>
<section><h2>Completions per annotator per day</h2><div id="days-chart" class="chart"></div><table class="grid" id="days"><thead></thead><tbody></tbody></table></section>
<section><h2>Annotators</h2><table class="grid" id="annotators"><thead><tr><th>annotator</th><th>labeled</th><th>skipped</th></tr></thead><tbody></tbody></table></section>
<p class="message" id="message" role="status"></p>`;

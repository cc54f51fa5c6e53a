// The frame every page shares: the header (links to the pages, the progress line, who is
// labeling) and the page's own data as JSON its script reads. Pages are plain HTML with a
// small hand-written script each (web/static/js/), no build step.
import { escapeHtml, jsonForScript } from './html.ts';

export const PAGES = [
  { path: '/', name: 'label', title: 'Label' },
  { path: '/tasks', name: 'tasks', title: 'Tasks' },
  { path: '/setup', name: 'setup', title: 'Setup' },
  { path: '/import', name: 'import', title: 'Import' },
  { path: '/export', name: 'export', title: 'Export' },
  { path: '/stats', name: 'stats', title: 'Stats' },
] as const;

export type PageName = (typeof PAGES)[number]['name'];

export interface PageFrame {
  page: PageName;
  /** The project a page opened with ?project=<name> works on: its links carry the name. */
  project?: string;
  title: string;
  annotator: string;
  counts: { tasks: number; completed: number };
  /** Markup of <main>, escaped by the caller. */
  body: string;
  /** Read by the page's script from #page-data. */
  data?: unknown;
  /** Style sheets before ours (the LSF's). */
  styles?: string[];
  /** Scripts after common.js. */
  scripts: string[];
}

/** "3 / 10 tasks done": 0.8's progress (a task is done once it has a completion or a skip). */
export function progressLine(counts: { tasks: number; completed: number }): string {
  return (
    `<span class="progress" id="progress" title="Tasks labeled or skipped, of all tasks (the Stats page counts them apart)">` +
    `<progress id="progress-bar" max="${Math.max(counts.tasks, 1)}" value="${counts.completed}"></progress> ` +
    `<b id="progress-done">${counts.completed}</b> / <b id="progress-total">${counts.tasks}</b> tasks done</span>`
  );
}

/** A page's path, with ?project=<name> when the page works on a named project. */
export function pagePath(path: string, project?: string): string {
  return project === undefined ? path : `${path}?project=${encodeURIComponent(project)}`;
}

export function renderPage(f: PageFrame): string {
  const nav = PAGES.map((p) => `<a href="${escapeHtml(pagePath(p.path, f.project))}"${p.name === f.page ? ' class="active" aria-current="page"' : ''}>${p.title}</a>`).join('');
  const projectName = f.project === undefined ? '' : `<span class="project" title="The project these pages work on">Project: <b>${escapeHtml(f.project)}</b></span>`;
  const styles = [...(f.styles ?? []), '/static/css/pages.css'].map((href) => `<link rel="stylesheet" href="${escapeHtml(href)}">`).join('\n');
  const scripts = ['/static/js/common.js', ...f.scripts].map((src) => `<script src="${escapeHtml(src)}"></script>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(f.title)} · labelstream</title>
<link rel="icon" href="data:,">
${styles}
</head>
<body class="page-${f.page}">
<header class="top">
  <a class="brand" href="${escapeHtml(pagePath('/', f.project))}">labelstream</a>
  <nav>${nav}</nav>
  ${projectName}
  ${progressLine(f.counts)}
  <span class="who">Annotator: <b id="annotator-name">${escapeHtml(f.annotator)}</b>
    <button type="button" id="annotator-change" class="link">change</button>
    <form id="annotator-form" hidden><input id="annotator-input" name="annotator" maxlength="100" required aria-label="Annotator name"><button type="submit">Save</button><button type="button" id="annotator-cancel">Cancel</button></form>
  </span>
</header>
<main>
${f.body}
</main>
<script id="page-data" type="application/json">${jsonForScript({ annotator: f.annotator, ...(f.data as object | undefined) })}</script>
${scripts}
</body>
</html>
`;
}

/** An error shown as a page (an unknown task in /?task_id=N). */
export function renderErrorPage(status: number, code: string, detail: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${status} · labelstream</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/static/css/pages.css"></head>
<body class="page-error">
<header class="top"><a class="brand" href="/">labelstream</a><nav>${PAGES.map((p) => `<a href="${p.path}">${p.title}</a>`).join('')}</nav></header>
<main><h1>${status}</h1><p class="error" data-code="${escapeHtml(code)}">${escapeHtml(detail)}</p></main>
</body>
</html>
`;
}

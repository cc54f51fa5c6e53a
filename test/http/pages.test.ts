// The pages as HTTP answers (the browser tests drive them): routes, redirects, the HTML
// error pages, the annotator cookie, the policies (CSP, no framing), the config and
// instruction embedded safely, the LSF files served from node_modules and nothing from
// elsewhere, the templates, and auth over all of it.
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { importTexts } from './support.ts';

const PAGES = ['/tasks', '/setup', '/import', '/export', '/stats'];

/** The JSON a page's script reads. */
function pageData(html: string): Record<string, unknown> {
  const m = /<script id="page-data" type="application\/json">([^<]*)<\/script>/.exec(html);
  if (!m) throw new Error('no page-data element');
  return JSON.parse(m[1]!) as Record<string, unknown>;
}

/** Every URL the page's markup loads (src, href). */
function loadedUrls(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
}

describe('the pages', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('GET / with no tasks sends people to the import page', async () => {
    const res = await request(t.app).get('/');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/import');
  });

  it('GET / is the labeling page: the LSF from node_modules, our glue, the config, nothing from elsewhere', async () => {
    await importTexts(t.app, ['one']);
    const res = await request(t.app).get('/');
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/html');
    expect(res.headers['cache-control']).toBe('no-store');
    const urls = loadedUrls(res.text);
    expect(urls).toEqual(expect.arrayContaining(['/static/lsf/0.9.1/css/main.css', '/static/lsf/0.9.1/js/main.js', '/static/js/common.js', '/static/js/labeling.js']));
    for (const url of urls) expect(url, 'loaded from this server').toMatch(/^(\/|data:)/);
    expect(res.text).toContain('<div id="label-studio"');
    const data = pageData(res.text);
    expect(data).toMatchObject({ taskId: null, hideSkip: false, labelConfig: expect.stringContaining('<Choices name="sentiment"') });
    expect(data.labelConfig).not.toMatch(/\n/); // the one-line form (label_config_line)
  });

  it('GET /?task_id=N is explore mode; an unknown task is a 404 page, a bad id a 400 page', async () => {
    await importTexts(t.app, ['one', 'two']);
    const ok = await request(t.app).get('/?task_id=1');
    expect(ok.status).toBe(200);
    expect(pageData(ok.text).taskId).toBe(1);
    for (const [query, status, code, detail] of [
      ['task_id=7', 404, 'not_found', 'Task 7 not found'],
      ['task_id=abc', 400, 'bad_id', 'task_id must be a non-negative integer, got "abc"'],
      ['task_id=-1', 400, 'bad_id', 'task_id must be a non-negative integer, got "-1"'],
    ] as const) {
      const res = await request(t.app).get(`/?${query}`);
      expect(res.status, query).toBe(status);
      expect(res.type).toBe('text/html');
      expect(res.text).toContain(`<p class="error" data-code="${code}">${detail.replace(/"/g, '&quot;')}</p>`);
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    }
  });

  it('every page answers, with the progress line and the annotator in the header', async () => {
    await importTexts(t.app, ['one', 'two', 'three']);
    await request(t.app).post('/api/tasks/0/completions').send({ result: [] });
    for (const path of ['/', ...PAGES]) {
      const res = await request(t.app).get(path).set('Cookie', 'annotator=alice');
      expect(res.status, path).toBe(200);
      expect(res.text).toContain('<b id="progress-done">1</b> / <b id="progress-total">3</b> tasks done');
      expect(res.text).toContain('<b id="annotator-name">alice</b>');
      expect(pageData(res.text).annotator).toBe('alice');
      for (const url of loadedUrls(res.text)) expect(url, `${path} loads ${url}`).toMatch(/^(\/|data:)/);
    }
    const head = await request(t.app).head('/tasks');
    expect(head.status).toBe(200);
    const post = await request(t.app).post('/tasks');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('gives a browser without one its own annotator cookie, readable by the page and lasting a year', async () => {
    await importTexts(t.app, ['one']);
    const first = await request(t.app).get('/tasks');
    const cookie = first.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/^annotator=annotator-[0-9a-f]{6}; Max-Age=31536000; Path=\/; Expires=[^;]+; SameSite=Lax$/);
    const name = /^annotator=([^;]+)/.exec(cookie)![1]!;
    expect(first.text).toContain(`<b id="annotator-name">${name}</b>`);
    const other = await request(t.app).get('/tasks');
    expect(other.headers['set-cookie']?.[0]).not.toContain(name);
    // A browser that has one keeps it; the name is shown escaped.
    const again = await request(t.app).get('/').set('Cookie', `annotator=${encodeURIComponent('<b>Zoë</b>')}`);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(again.text).toContain('<b id="annotator-name">&lt;b&gt;Zoë&lt;/b&gt;</b>');
    expect(pageData(again.text).annotator).toBe('<b>Zoë</b>');
  });

  it('embeds a config and an instruction holding </script>, <!--, U+2028 and backticks so that they cannot end the script element', async () => {
    // (An XML comment may not hold "--": the config's copy leaves "<!--" out.)
    const hostile = '</script><script>alert(1)</script> \u2028\u2029 ` ${x} &amp;';
    const config = `<View>\n  <!-- ${hostile} -->\n  <Text name="text" value="$text"/>\n  <Choices name="c" toName="text"><Choice value="A"/><Choice value="B"/></Choices>\n</View>`;
    expect((await request(t.app).post('/api/project/config').type('application/xml').send(config)).status).toBe(201);
    expect((await request(t.app).patch('/api/project').send({ instruction: `<b>Hi</b><!-- ${hostile}` })).status).toBe(201);
    await importTexts(t.app, ['one']);

    const label = await request(t.app).get('/');
    // Our four script elements end; nothing else does.
    expect(label.text.match(/<\/script/gi)).toHaveLength(4);
    expect(label.text).not.toMatch(/[\u2028\u2029]/);
    expect(pageData(label.text).instruction).toBe(`<b>Hi</b><!-- ${hostile}`);
    const setup = await request(t.app).get('/setup');
    expect(setup.text.match(/<\/script/gi)).toHaveLength(3);
    expect(pageData(setup.text).labelConfig).toBe(config);
  });

  it('sends policies: scripts from this server only (LSF needs eval), no framing', async () => {
    await importTexts(t.app, ['one']);
    const label = await request(t.app).get('/');
    const csp = label.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self' 'unsafe-eval'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(label.headers['x-frame-options']).toBe('DENY');
    for (const path of PAGES) {
      const res = await request(t.app).get(path);
      expect(res.headers['content-security-policy'], path).toBe(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      );
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('serves the LSF build from node_modules under its version, cached for long, and only its build/static', async () => {
    const js = await request(t.app).get('/static/lsf/0.9.1/js/main.js');
    expect(js.status).toBe(200);
    expect(js.type).toBe('text/javascript');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.text.length).toBeGreaterThan(2_000_000);
    expect(js.text).toContain('LabelStudio');
    const css = await request(t.app).get('/static/lsf/0.9.1/css/main.css');
    expect(css.status).toBe(200);
    expect(css.type).toBe('text/css');
    const glue = await request(t.app).get('/static/js/labeling.js');
    expect(glue.status).toBe(200);
    expect(glue.type).toBe('text/javascript');
    for (const path of ['/static/lsf/0.9.1/index.html', '/static/lsf/0.9.1/../package.json', '/static/lsf/0.9.1/%2e%2e/%2e%2e/package.json', '/static/lsf/0.8.2/js/main.js', '/static/nothing.js', '/static/../package.json']) {
      const res = await request(t.app).get(path);
      expect(res.status, path).toBe(404);
      expect(res.type, path).toBe('application/json');
    }
  });

  it('GET /api/templates lists the 54 example configs, each valid on a new project', async () => {
    const res = await request(t.app).get('/api/templates');
    expect(res.status).toBe(200);
    const templates = res.body as { name: string; title: string; category: string; config: string }[];
    expect(templates).toHaveLength(54);
    expect(templates[0]).toEqual({ name: 'text_classification', title: 'Text classification', category: 'text', config: expect.stringMatching(/^<View>/) });
    expect(new Set(templates.map((x) => x.category))).toEqual(new Set(['text', 'image', 'audio', 'html', 'time-series', 'per-region', 'nested', 'layouts', 'other']));
    for (const tpl of templates) {
      expect(tpl.config, tpl.name).not.toMatch(/^\s*<!-- \{"title"/);
      const check = await request(t.app).post('/api/validate-config').send({ label_config: tpl.config });
      expect(check.status, `${tpl.name}: ${check.text}`).toBe(204);
    }
  });
});

describe('the pages behind auth', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp({ AUTH_PASSWORD: 'secret1' });
    await request(t.app).post('/api/project/import').auth('ls', 'secret1').send([{ text: 'one' }]).expect(201);
  });
  afterEach(async () => {
    await t.close();
  });

  it('asks for the password on pages and their files as on the API', async () => {
    for (const path of ['/', '/?task_id=0', ...PAGES, '/static/js/labeling.js', '/static/lsf/0.9.1/js/main.js', '/api/project/stats', '/api/templates']) {
      const denied = await request(t.app).get(path);
      expect(denied.status, path).toBe(401);
      expect(denied.headers['www-authenticate']).toBe('Basic realm="Login Required"');
      const allowed = await request(t.app).get(path).auth('ls', 'secret1');
      expect([200, 302], path).toContain(allowed.status);
    }
  });
});

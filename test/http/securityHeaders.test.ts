// Headers on every answer (src/http/securityHeaders.ts): nosniff and no framing on
// successes, client errors, the 404 fallback, 405s, refusals and files; the instruction
// HTML and the sample CSV that echoes its query are sandboxed.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { send, type BadCase } from './support.ts';

let t: TestApp;
afterEach(async () => {
  await t?.close();
});

const FRAME_POLICY = "frame-ancestors 'none'";
const SANDBOX = "sandbox; frame-ancestors 'none'";

function expectEveryResponseHeaders(res: request.Response, what: string, csp = FRAME_POLICY): void {
  expect(res.headers['x-content-type-options'], `${what}: nosniff`).toBe('nosniff');
  expect(res.headers['x-frame-options'], `${what}: X-Frame-Options`).toBe('DENY');
  expect(res.headers['content-security-policy'], `${what}: CSP`).toBe(csp);
}

/** Two uploaded files, stored the way an import stores them (through the store's uploads). */
async function withUploads(): Promise<void> {
  const dir = join(t.root, 'incoming');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'pixel.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
  await writeFile(join(dir, 'page.html'), '<script>alert(document.cookie)</script>');
  await t.project.store.uploads.put(['pixel.png', 'page.html'].map((name) => ({ name, tempPath: join(dir, name) })));
}

interface Row extends Pick<BadCase, 'method' | 'path' | 'body' | 'type' | 'headers'> {
  name: string;
  status: number;
  /** Part of the Content-Type the answer must have. */
  contentType?: string;
}

const ROWS: Row[] = [
  { name: 'project (200 JSON)', method: 'get', path: '/api/project', status: 200, contentType: 'application/json' },
  { name: 'health', method: 'get', path: '/api/health', status: 200 },
  { name: 'import (201)', method: 'post', path: '/api/project/import', body: [{ text: 'a' }], status: 201 },
  { name: 'config saved (201, empty body)', method: 'post', path: '/api/project/config', body: '<View><Text name="text" value="$text"/></View>', type: 'application/xml', status: 201 },
  { name: 'valid config (204)', method: 'post', path: '/api/validate-config', body: { label_config: '<View><Text name="text" value="$text"/></View>' }, status: 204 },
  { name: 'sample file as text', method: 'get', path: '/api/import-example-file?q=txt&raw=1', status: 200, contentType: 'text/plain' },
  { name: 'bad JSON (400)', method: 'post', path: '/api/project/import', body: '[1,', status: 400 },
  { name: 'bad id (400)', method: 'get', path: '/api/tasks/abc', status: 400 },
  { name: 'invalid config (400 in 0.8 shape)', method: 'post', path: '/api/validate-config', body: { label_config: '<View>' }, status: 400 },
  { name: 'no config (417)', method: 'post', path: '/api/validate-config', status: 417, contentType: 'application/json' },
  { name: 'unknown task (404)', method: 'get', path: '/api/tasks/999', status: 404 },
  { name: '404 fallback', method: 'get', path: '/no/such/route', status: 404 },
  { name: '405 with Allow', method: 'put', path: '/api/tasks', body: [], status: 405 },
  { name: 'config body too large (413)', method: 'post', path: '/api/project/config', body: 'x'.repeat(3 * 1024 * 1024), type: 'text/plain', status: 413 },
  { name: 'cross-site write (403)', method: 'post', path: '/api/project/import', body: [{ text: 'x' }], headers: { Origin: 'https://evil.example' }, status: 403 },
  { name: 'foreign Host (421)', method: 'get', path: '/api/project', headers: { Host: 'evil.example' }, status: 421 },
  { name: 'uploaded image', method: 'get', path: '/data/upload/pixel.png', status: 200, contentType: 'image/png' },
  { name: 'uploaded image, a range', method: 'get', path: '/data/upload/pixel.png', headers: { Range: 'bytes=0-3' }, status: 206 },
  { name: 'uploaded HTML (a download)', method: 'get', path: '/data/upload/page.html', status: 200, contentType: 'text/html' },
  { name: 'missing upload (404)', method: 'get', path: '/data/upload/nothing.png', status: 404 },
  { name: 'path out of the upload folder (404)', method: 'get', path: '/data/upload/..%2Fconfig.json', status: 404 },
  { name: 'local files off (403)', method: 'get', path: '/data/x.png?d=/tmp', status: 403 },
];

describe('every response carries nosniff and no-framing headers', () => {
  it.each(ROWS)('$name: $status', async (row) => {
    t = await makeTestApp();
    await withUploads();
    const res = await send(t.app, row);
    expect(res.status, String(res.text).slice(0, 300)).toBe(row.status);
    if (row.contentType) expect(res.headers['content-type']).toContain(row.contentType);
    expectEveryResponseHeaders(res, row.name);
  });

  it('OPTIONS and HEAD carry them too', async () => {
    t = await makeTestApp();
    const options = await request(t.app).options('/api/tasks');
    expect(options.status).toBe(200);
    expectEveryResponseHeaders(options, 'OPTIONS');
    const head = await request(t.app).head('/api/project');
    expect(head.status).toBe(200);
    expectEveryResponseHeaders(head, 'HEAD');
  });

  it('an uploaded HTML file is a download, never shown as a page of this origin', async () => {
    t = await makeTestApp();
    await withUploads();
    const res = await request(t.app).get('/data/upload/page.html');
    expect(res.headers['content-disposition']).toMatch(/^attachment;/);
    expectEveryResponseHeaders(res, 'page.html');
  });

  it('401 and 429 under auth carry them too', async () => {
    t = await makeTestApp({ AUTH_PASSWORD: 'secret1', AUTH_MAX_FAILURES: '1' });
    const denied = await request(t.app).get('/api/project').auth('ls', 'wrong');
    expect(denied.status).toBe(401);
    expectEveryResponseHeaders(denied, '401');
    const limited = await request(t.app).get('/api/project').auth('ls', 'secret1');
    expect(limited.status).toBe(429);
    expectEveryResponseHeaders(limited, '429');
  });
});

describe('HTML and text that users choose are sandboxed', () => {
  const SCRIPT = '<script>fetch("/api/tasks", {method: "DELETE"})</script>';

  it('the expert instruction is HTML under CSP sandbox, shown as written', async () => {
    t = await makeTestApp();
    await request(t.app).patch('/api/project').send({ instruction: `<p>Label carefully</p>${SCRIPT}` }).expect(201);
    const res = await request(t.app).get('/api/projects/1/expert_instruction');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toBe(`<p>Label carefully</p>${SCRIPT}`);
    expectEveryResponseHeaders(res, 'instruction', SANDBOX);
  });

  it('/samples/time-series.csv echoing <script> in ?time= is CSV under CSP sandbox', async () => {
    t = await makeTestApp();
    const res = await request(t.app).get('/samples/time-series.csv').query({ time: SCRIPT, values: 'v' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.text.split('\n')[0]).toContain('<script>');
    expectEveryResponseHeaders(res, 'time-series.csv', SANDBOX);
  });
});

// GET /data/upload/<file> (api.md §5.22) and its deprecated alias /upload/<file>: an
// imported file comes back byte for byte, with its type and ranges; no request path
// leaves upload/ (0.8 served /data/upload/../config.json). Traversal requests are sent
// with node:http, which sends the path exactly as written (no "../" clean-up).
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { CONFIGS, sample, setConfig, storedTasks, storedNameOf } from './support.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** GET with the path sent verbatim. */
async function rawGet(t: TestApp, path: string): Promise<RawResponse> {
  const server: Server = t.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

describe('serving imported files', () => {
  let t: TestApp;
  let image: Buffer;
  let url: string;
  beforeEach(async () => {
    t = await makeTestApp();
    await setConfig(t, CONFIGS.image);
    image = await sample('sample.jpg');
    await request(t.app).post('/api/project/import').attach('file', image, 'sample.jpg').expect(201);
    url = (await storedTasks(t))[0]!.data.image as string;
    // Things outside upload/ that a traversal would reach.
    await writeFile(join(t.dir, 'secret.txt'), 'project secret');
    await mkdir(join(t.dir, 'upload', 'sub'), { recursive: true });
    await writeFile(join(t.dir, 'upload', 'sub', 'nested.txt'), 'nested file');
    await writeFile(join(t.dir, 'upload', '.hidden'), 'hidden');
    await symlink(join(t.dir, 'secret.txt'), join(t.dir, 'upload', 'link.txt'));
    await symlink(join(t.dir, 'upload', 'sub', 'nested.txt'), join(t.dir, 'upload', 'inner-link.txt'));
  });
  afterEach(async () => {
    await t.close();
  });

  it('an uploaded image comes back byte for byte from its URL', async () => {
    const res = await request(t.app).get(url).buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-disposition']).toBe(`inline; filename="${storedNameOf(url)}"; filename*=UTF-8''${storedNameOf(url)}`);
    expect(Number(res.headers['content-length'])).toBe(image.length);
    expect(Buffer.compare(res.body as Buffer, image)).toBe(0);
    // The same bytes are in upload/ under the URL's name.
    expect((await readFile(join(t.dir, 'upload', storedNameOf(url)))).equals(image)).toBe(true);
  });

  it('range requests: 206 with Content-Range, as audio and video players need', async () => {
    const res = await request(t.app).get(url).set('Range', 'bytes=0-15').buffer(true);
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes 0-15/${image.length}`);
    expect(Buffer.compare(res.body as Buffer, image.subarray(0, 16))).toBe(0);
    const tail = await request(t.app).get(url).set('Range', 'bytes=-10').buffer(true);
    expect(tail.status).toBe(206);
    expect(Buffer.compare(tail.body as Buffer, image.subarray(image.length - 10))).toBe(0);
    const beyond = await request(t.app).get(url).set('Range', `bytes=${image.length + 5}-`);
    expect(beyond.status).toBe(416);
  });

  it('HEAD answers the headers only', async () => {
    const res = await request(t.app).head(url);
    expect(res.status).toBe(200);
    expect(Number(res.headers['content-length'])).toBe(image.length);
  });

  it('the deprecated /upload/<file> serves the same bytes', async () => {
    const res = await request(t.app).get(`/upload/${storedNameOf(url)}`).buffer(true);
    expect(res.status).toBe(200);
    expect(Buffer.compare(res.body as Buffer, image)).toBe(0);
  });

  it('files in sub-folders of upload/ (0.8 folders may have them), and links that stay inside', async () => {
    const nested = await rawGet(t, '/data/upload/sub/nested.txt');
    expect(nested.status).toBe(200);
    expect(nested.body.toString()).toBe('nested file');
    expect(nested.headers['content-type']).toBe('text/plain; charset=utf-8');
    const link = await rawGet(t, '/data/upload/inner-link.txt');
    expect(link.status).toBe(200);
    expect(link.body.toString()).toBe('nested file');
  });

  it('non-media files are downloads, not pages', async () => {
    await writeFile(join(t.dir, 'upload', 'x.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const res = await rawGet(t, '/data/upload/x.svg');
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="x.svg"; filename*=UTF-8''x.svg`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it.each([
    '/data/upload/../config.json',
    '/data/upload/../../default/config.json',
    '/data/upload/..%2Fconfig.json',
    '/data/upload/%2e%2e%2fconfig.json',
    '/data/upload/%2E%2E/config.json',
    '/data/upload/%252e%252e%252fconfig.json',
    '/data/upload/sub/../../secret.txt',
    '/data/upload/sub/..%2f..%2fsecret.txt',
    '/data/upload/..%5cconfig.json',
    '/data/upload//etc/passwd',
    '/data/upload/%2Fetc%2Fpasswd',
    '/data/upload/%2fetc/passwd',
    '/data/upload/link.txt',
    '/data/upload/.hidden',
    '/data/upload/sub',
    '/data/upload/',
    '/data/upload/nope.png',
    '/data/upload/%zz',
    '/data/upload/a%00.png',
    '/upload/../config.json',
    '/upload/%2e%2e%2fsecret.txt',
    '/upload/link.txt',
  ])('%s is 404', async (path) => {
    const res = await rawGet(t, path);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body.toString())).toEqual({ status: 404, code: 'file_not_found', detail: 'File not found' });
  });
});

describe('content types of served files', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it.each([
    { name: 'kittens.jpg', config: CONFIGS.image, key: 'image', type: 'image/jpeg' },
    { name: 'game.wav', config: CONFIGS.audio, key: 'audio', type: 'audio/wav' },
    { name: 'sample.pdf', config: CONFIGS.pdf, key: 'pdf', type: 'application/pdf' },
    // A TimeSeries config reads its CSV by URL, so the CSV is hosted.
    { name: 'sample-task-sin.csv', config: CONFIGS.timeSeries, key: 'csv', type: 'text/csv; charset=utf-8' },
  ])('$name is served inline as $type', async ({ name, config, key, type }) => {
    await setConfig(t, config);
    const bytes = await sample(name);
    const hosted = await request(t.app).post('/api/project/import').attach('file', bytes, name);
    expect(hosted.status, hosted.text).toBe(201);
    const res = await rawGet(t, (await storedTasks(t))[0]!.data[key] as string);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(String(res.headers['content-disposition'])).toMatch(/^inline; /);
    expect(res.body.equals(bytes)).toBe(true);
  });
});

describe('GET /data/<path>?d=<dir>: local files (opt-in)', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  it('is refused with 403 unless ALLOW_SERVING_LOCAL_FILES is on', async () => {
    t = await makeTestApp();
    const res = await request(t.app).get(`/data/config.json?d=${encodeURIComponent(t.dir)}`);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ status: 403, code: 'local_files_disabled', detail: 'Serving local files is not allowed. Set ALLOW_SERVING_LOCAL_FILES=true to enable local serving' });
  });

  it('serves <d>/<path> when on, and still refuses ".." and relative folders', async () => {
    t = await makeTestApp({ ALLOW_SERVING_LOCAL_FILES: 'true' });
    const dir = join(t.root, 'images');
    await mkdir(dir);
    const kittens = await sample('kittens.jpg');
    await writeFile(join(dir, 'k.jpg'), kittens);
    const ok = await rawGet(t, `/data/k.jpg?d=${encodeURIComponent(dir)}`);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('image/jpeg');
    expect(ok.body.equals(kittens)).toBe(true);
    for (const path of [`/data/../default/config.json?d=${encodeURIComponent(dir)}`, `/data/%2e%2e%2fdefault%2fconfig.json?d=${encodeURIComponent(dir)}`, '/data/k.jpg?d=images', '/data/k.jpg']) {
      expect((await rawGet(t, path)).status, path).toBe(404);
    }
  });
});

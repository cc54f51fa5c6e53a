// URL import (config-and-import §2.10) against a real HTTP server on 127.0.0.1: the file is
// downloaded and handled like an upload of that name. The kind comes from the URL's path
// (0.8 read it off the end of the whole string, query included, Quirk Q-I5), then from
// Content-Disposition, then from Content-Type.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { CONFIGS, fileServer, makeZip, sample, setConfig, storedTasks, uploadedFiles, withoutDuration } from './support.ts';

const lorem = ['Lorem ipsum dolor sit amet,', 'consectetur adipiscing elit,', 'sed do eiusmod tempor incididunt', 'ut labore et dolore magna aliqua.'];
const kittensName = async () => `${createHash('md5').update(await sample('kittens.jpg')).digest('hex')}-kittens.jpg`;

interface Route {
  type: string;
  body: () => Promise<Buffer>;
  headers?: Record<string, string>;
}

const ROUTES: Record<string, Route> = {
  '/files/lorem_ipsum.txt': { type: 'text/plain', body: () => sample('lorem_ipsum.txt') },
  '/pics/kittens.jpg': { type: 'image/jpeg', body: () => sample('kittens.jpg') },
  '/api/import-example-file': { type: 'application/json', body: async () => Buffer.from('[{"text": "example one"}, {"text": "example two"}]') },
  '/download': { type: 'application/octet-stream', headers: { 'content-disposition': 'attachment; filename="rows.csv"' }, body: async () => Buffer.from('text,n\nrow,1\n') },
  '/bundle.zip': { type: 'application/zip', body: () => makeZip([{ name: 'a.txt', content: 'from zip' }]) },
  '/tasks%20file.json': { type: 'application/json', body: async () => Buffer.from('{"text": "spaced"}') },
};

interface UrlCase {
  name: string;
  config?: string;
  url: (base: string) => string;
  /** Send as multipart -F url=... instead of a urlencoded form. */
  multipart?: boolean;
  formats: Record<string, number>;
  data: (base: string) => Promise<Record<string, unknown>[]>;
  uploads?: () => Promise<string[]>;
}

const CASES: UrlCase[] = [
  { name: 'a TXT file', url: (b) => `${b}/files/lorem_ipsum.txt`, formats: { '.txt': 1 }, data: async () => lorem.map((text) => ({ text })) },
  { name: 'a query string does not change the kind (Quirk Q-I5)', url: (b) => `${b}/files/lorem_ipsum.txt?x=1`, formats: { '.txt': 1 }, data: async () => lorem.map((text) => ({ text })) },
  {
    name: "0.8's own example: no extension in the path, JSON by Content-Type",
    url: (b) => `${b}/api/import-example-file?q=json&raw=1#a.json`,
    formats: { '.json': 1 },
    data: async () => [{ text: 'example one' }, { text: 'example two' }],
  },
  { name: 'CSV named by Content-Disposition', url: (b) => `${b}/download?id=3`, formats: { '.csv': 1 }, data: async () => [{ text: 'row', n: 1 }] },
  { name: 'a ZIP archive', url: (b) => `${b}/bundle.zip`, formats: { '.txt': 1 }, data: async () => [{ text: 'from zip' }] },
  { name: 'a percent-encoded path', url: (b) => `${b}/tasks%20file.json`, formats: { '.json': 1 }, data: async () => [{ text: 'spaced' }] },
  { name: 'a redirect is followed', url: (b) => `${b}/redirect?to=/files/lorem_ipsum.txt`, formats: { '.txt': 1 }, data: async () => lorem.map((text) => ({ text })) },
  {
    name: 'an image is hosted',
    config: CONFIGS.image,
    url: (b) => `${b}/pics/kittens.jpg`,
    formats: { '.jpg': 1 },
    data: async () => [{ image: `/data/upload/${await kittensName()}` }],
    uploads: async () => [await kittensName()],
  },
  { name: 'the url field of a multipart form (curl -F url=...)', multipart: true, url: (b) => `${b}/files/lorem_ipsum.txt`, formats: { '.txt': 1 }, data: async () => lorem.map((text) => ({ text })) },
];

describe('POST /api/project/import with a url', () => {
  let files: Awaited<ReturnType<typeof fileServer>>;
  let t: TestApp;
  beforeAll(async () => {
    files = await fileServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname === '/redirect') {
        res.writeHead(302, { location: u.searchParams.get('to')! }).end();
        return;
      }
      const route = ROUTES[u.pathname];
      if (!route) {
        res.writeHead(404).end();
        return;
      }
      void route.body().then((body) => res.writeHead(200, { 'content-type': route.type, 'content-length': String(body.length), ...route.headers }).end(body));
    });
  });
  afterAll(async () => {
    await files.close();
  });
  beforeEach(async () => {
    // The file server is on 127.0.0.1, which is refused unless allowed (test/net/ssrf.test.ts).
    t = await makeTestApp({ FETCH_ALLOW: '127.0.0.1' });
  });
  afterEach(async () => {
    await t.close();
  });

  it.each(CASES)('$name', async (c) => {
    if (c.config) await setConfig(t, c.config);
    const url = c.url(files.base);
    const res = c.multipart ? await request(t.app).post('/api/project/import').field('url', url) : await request(t.app).post('/api/project/import').type('form').send({ url });
    expect(res.status, res.text).toBe(201);
    const data = await c.data(files.base);
    expect(withoutDuration(res.body)).toEqual({
      task_count: data.length,
      completion_count: 0,
      prediction_count: 0,
      formats: c.formats,
      new_task_ids: data.map((_, i) => i),
    });
    expect((await storedTasks(t))).toEqual(data.map((d, id) => ({ id, data: d })));
    const uploads = (await c.uploads?.()) ?? [];
    expect(await uploadedFiles(t)).toEqual(uploads);
    for (const name of uploads) expect((await readFile(join(t.dir, 'upload', name))).equals(await sample('kittens.jpg'))).toBe(true);
  });
});

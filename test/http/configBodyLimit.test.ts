// The config routes read at most CONFIG_BODY_LIMIT (about 2 MB), not MAX_BODY_SIZE
// (200 MB): a body of a few MB to any of them, in any encoding, JSON included, is a 413
// after about that much has been read, and changes nothing; a 900 KB config still saves.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_BODY_LIMIT } from '../../src/http/requestBody.ts';
import { MAX_CONFIG_BYTES } from '../../src/labelConfig/parse.ts';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { expectRejected, multipartBody, saved, type BadCase } from './support.ts';

let t: TestApp;
afterEach(async () => {
  await t?.close();
});

const tooLarge = (bytes: number) => ({
  status: 413,
  code: 'config_body_too_large',
  detail: `A label config request may be at most ${CONFIG_BODY_LIMIT} bytes (the config itself at most ${MAX_CONFIG_BYTES}); this one is ${bytes} bytes`,
});

const ROUTES = ['/api/project/config', '/api/validate-config', '/api/import-example', '/api/save-config', '/API/Project/Config/'];

/** A config of `size` bytes (too large to be one, and well formed otherwise). */
const bigXml = (size: number) => {
  const head = '<View><Text name="text" value="$text"/><Header value="';
  const tail = '"/></View>';
  return head + 'x'.repeat(size - head.length - tail.length) + tail;
};

/** The same 5 MB config in each form a config route reads. */
function bodies(): { kind: string; body: string; type: string }[] {
  const xml = bigXml(5 * 1024 * 1024);
  const multipart = multipartBody({ label_config: xml });
  return [
    { kind: 'application/xml', body: xml, type: 'application/xml' },
    { kind: 'text/plain', body: xml, type: 'text/plain' },
    { kind: 'urlencoded field', body: `label_config=${encodeURIComponent(xml)}`, type: 'application/x-www-form-urlencoded' },
    { kind: 'JSON', body: JSON.stringify({ label_config: xml }), type: 'application/json' },
    { kind: 'multipart field', body: multipart.body, type: multipart.type },
  ];
}

describe('a body of a few MB to a config route: 413 JSON, nothing changed', () => {
  it.each(ROUTES)('POST %s, every body form', async (path) => {
    t = await makeTestApp();
    await request(t.app).post('/api/project/import').send([{ text: 'a' }]).expect(201);
    const cases: BadCase[] = bodies().map(({ kind, body, type }) => ({
      name: `${path} ${kind}`,
      method: 'post',
      path,
      body,
      type,
      status: 413,
      expected: tooLarge(Buffer.byteLength(body)),
      responseHeaders: { connection: 'close' },
    }));
    await expectRejected(t, cases);
  });

  it('MAX_BODY_SIZE below the config limit is the limit', async () => {
    t = await makeTestApp({ MAX_BODY_SIZE: '10kb' });
    const res = await request(t.app).post('/api/project/config').set('Content-Type', 'application/xml').send(bigXml(20 * 1024));
    expect(res.status).toBe(413);
    expect(res.body.detail).toMatch(/^A label config request may be at most 10240 bytes/);
  });
});

interface Sent {
  status: number;
  body: unknown;
  /** Bytes the server read from the connection. */
  bytesRead: number;
  ms: number;
}

/**
 * Streams `size` bytes to a real server on 127.0.0.1, with Content-Length or chunked,
 * stopping when the answer comes; reports what the server read.
 */
async function postLarge(app: TestApp['app'], path: string, type: string, size: number, chunked: boolean): Promise<Sent> {
  const server = http.createServer(app);
  const sockets: Socket[] = [];
  server.on('connection', (s: Socket) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const started = performance.now();
  try {
    const answer = await new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const headers = { 'Content-Type': type, ...(chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(size) }) };
      let answered = false;
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, headers }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) }));
      });
      // Writing into a connection the server closed after answering fails; that is expected.
      req.on('error', (err) => {
        if (!answered) reject(err);
      });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const pump = () => {
        while (sent < size && !answered && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!answered && !req.destroyed) req.end();
      };
      pump();
    });
    const ms = performance.now() - started;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return { ...answer, bytesRead: sockets.reduce((n, s) => n + s.bytesRead, 0), ms };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

describe('a 100 MB body is refused after reading about the limit', () => {
  const SIZE = 100 * 1024 * 1024;

  it.each([
    { path: '/api/project/config', type: 'application/xml', chunked: false },
    { path: '/api/project/config', type: 'application/json', chunked: false },
    { path: '/api/validate-config', type: 'application/x-www-form-urlencoded', chunked: true },
    { path: '/api/project/config', type: 'application/json', chunked: true },
    { path: '/api/import-example', type: 'text/plain', chunked: true },
    { path: '/api/validate-config', type: 'multipart/form-data; boundary=x', chunked: true },
  ])('$path, $type, chunked: $chunked', async ({ path, type, chunked }) => {
    t = await makeTestApp();
    const before = (await saved(t)).labelConfig;
    const res = await postLarge(t.app, path, type, SIZE, chunked);
    expect(res.status).toBe(413);
    expect(res.body).toEqual(chunked ? { status: 413, code: 'config_body_too_large', detail: `A label config request may be at most ${CONFIG_BODY_LIMIT} bytes (the config itself at most ${MAX_CONFIG_BYTES}); this one is over ${CONFIG_BODY_LIMIT} bytes` } : tooLarge(SIZE));
    expect(res.bytesRead).toBeLessThan(CONFIG_BODY_LIMIT + 2 * 1024 * 1024);
    expect(res.ms).toBeLessThan(3000);
    expect((await saved(t)).labelConfig).toBe(before);
  });
});

describe('large configs under the limit are read', () => {
  /** A valid config of about `size` bytes: a Choices with many choices. */
  function manyChoices(size: number): string {
    const head = '<View>\n  <Text name="text" value="$text"/>\n  <Choices name="sentiment" toName="text" choice="multiple">\n';
    const tail = '  </Choices>\n</View>\n';
    const lines: string[] = [];
    let length = head.length + tail.length;
    for (let i = 0; length < size; i++) {
      const line = `    <Choice value="Label number ${i}"/>\n`;
      lines.push(line);
      length += line.length;
    }
    return head + lines.join('') + tail;
  }

  const xml = manyChoices(900 * 1024);

  it.each([
    { kind: 'application/xml', send: (path: string) => request(t.app).post(path).set('Content-Type', 'application/xml').send(xml) },
    { kind: 'urlencoded field', send: (path: string) => request(t.app).post(path).type('form').send({ label_config: xml }) },
    { kind: 'JSON', send: (path: string) => request(t.app).post(path).send({ label_config: xml }) },
    { kind: 'multipart field', send: (path: string) => request(t.app).post(path).field('label_config', xml) },
  ])('a 900 KB config as $kind is validated and saved', async ({ send }) => {
    t = await makeTestApp();
    expect(xml.length).toBeGreaterThan(900 * 1024);
    const valid = await send('/api/validate-config');
    expect(valid.status, valid.text).toBe(204);
    const save = await send('/api/project/config');
    expect(save.status, save.text).toBe(201);
    expect((await saved(t)).labelConfig).toBe(xml);
  }, 30_000);

  it('a config just over 1 MB still reaches the parser, whose message names the config limit', async () => {
    t = await makeTestApp();
    const over = manyChoices(MAX_CONFIG_BYTES + 1000);
    const res = await request(t.app).post('/api/project/config').type('form').send({ label_config: over });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, code: 'invalid_label_config', label_config: [`Label config is too large: over ${over.length} bytes, the limit is ${MAX_CONFIG_BYTES} bytes`] });
  });
});

// Size limits that inputs got round: archives expanding past the upload limit, files
// read whole into memory, multipart text fields (never counted), and the config
// routes' multipart forms (any number of fields of MAX_BODY_SIZE each).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImportFailure } from '../../src/importers/errors.ts';
import { collectFiles } from '../../src/importers/kinds.ts';
import { MAX_CONFIG_BYTES } from '../../src/labelConfig/parse.ts';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { CONFIGS, makeZip, setConfig, storedTasks, uploadedFiles } from './support.ts';

let t: TestApp;
afterEach(async () => {
  await t?.close();
});

async function expectNothingStored(): Promise<void> {
  expect((await storedTasks(t))).toEqual([]);
  expect(await uploadedFiles(t)).toEqual([]);
}

describe('archives expand to at most the upload limit', () => {
  const LIMIT = 100 * 1024;

  it('a 20 KB zip of one 20 MB JSON task is refused with 413 under a 100 KB limit', async () => {
    t = await makeTestApp({ MAX_UPLOAD_SIZE: String(LIMIT) });
    await setConfig(t, CONFIGS.text);
    const zip = await makeZip([{ name: 'a.json', content: `{"text": "${'a'.repeat(20 * 1024 * 1024)}"}` }]);
    expect(zip.length).toBeLessThan(LIMIT);
    const res = await request(t.app).post('/api/project/import').attach('file', zip, 'a.zip');
    expect(res.status).toBe(413);
    expect(res.body.errors).toEqual([`Failed to parse input file a.zip: archives may expand to at most ${LIMIT} bytes`]);
    await expectNothingStored();
  });

  it('members under the limit one by one but over it together are refused, hosted ones included', async () => {
    t = await makeTestApp({ MAX_UPLOAD_SIZE: String(LIMIT) });
    await setConfig(t, CONFIGS.image);
    const png = (i: number) => ({ name: `p${i}.png`, content: Buffer.alloc(30 * 1024, i) });
    const zip = await makeZip([png(1), png(2), png(3), png(4)]);
    const res = await request(t.app).post('/api/project/import').attach('file', zip, 'pics.zip');
    expect(res.status).toBe(413);
    expect(res.body.errors).toEqual([`Failed to parse input file pics.zip: archives may expand to at most ${LIMIT} bytes`]);
    await expectNothingStored();
  });

  it('an archive that expands to less than the limit is imported', async () => {
    t = await makeTestApp({ MAX_UPLOAD_SIZE: String(LIMIT) });
    await setConfig(t, CONFIGS.text);
    const zip = await makeZip([{ name: 'a.txt', content: 'one\ntwo\n' }, { name: 'b.json', content: '{"text": "three"}' }]);
    const res = await request(t.app).post('/api/project/import').attach('file', zip, 'x.zip');
    expect(res.status, res.text).toBe(201);
    expect((await storedTasks(t)).map((task) => task.data.text)).toEqual(['one', 'two', 'three']);
  });
});

describe('files parsed in one piece are size-checked before they are read', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ls-whole-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function collect(name: string, content: string, maxBytes: number) {
    const path = join(dir, name);
    await writeFile(path, content);
    return collectFiles([{ name, path, size: Buffer.byteLength(content) }], {
      dataTypes: { text: 'Text' },
      tempDir: dir,
      publicUrl: '',
      maxTasks: 1000,
      maxDataKeys: 1000,
      maxBytes,
    });
  }

  it.each([
    { name: 'a.json', content: `{"text": "${'a'.repeat(1988)}"}` },
    { name: 'a.html', content: `<p>${'a'.repeat(1993)}</p>` },
  ])('$name of 2,000 bytes under a 1,000 byte limit: 413 naming the file', async ({ name, content }) => {
    expect(Buffer.byteLength(content)).toBe(2000);
    const err = await collect(name, content, 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportFailure);
    expect((err as ImportFailure).status).toBe(413);
    expect((err as ImportFailure).message).toBe(`Failed to parse input file ${name}: the file is 2000 bytes; files read whole may be at most 1000 bytes`);
  });

  it('a JSON array is streamed, not read whole, so it is not held to that check', async () => {
    const content = JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ text: `task ${i} ${'x'.repeat(30)}` })));
    expect(content.length).toBeGreaterThan(1000);
    const collector = await collect('list.json', content, 1000);
    expect(collector.count).toBe(50);
  });
});

/** Sends a multipart body in 64 KB chunks without Content-Length (so only the streaming caps apply). */
async function postChunked(app: TestApp['app'], path: string, boundary: string, body: Buffer): Promise<{ status: number; body: unknown }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      const req = http.request(
        { port, host: '127.0.0.1', method: 'POST', path, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') }));
        },
      );
      req.on('error', reject);
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
      req.end();
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const BOUNDARY = 'XBOUNDARY';
const fieldPart = (name: string, value: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const filePart = (name: string, content: string) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n${content}\r\n`;
const form = (...parts: string[]) => Buffer.from(parts.join('') + `--${BOUNDARY}--\r\n`);

describe('multipart text fields count toward the upload limit', () => {
  it('5 text fields of 900 KB under a 10 KB limit: 413 after the first, not 400 after buffering all', async () => {
    t = await makeTestApp({ MAX_UPLOAD_SIZE: '10kb' });
    const body = form(...Array.from({ length: 5 }, (_, i) => fieldPart(`f${i}`, 'a'.repeat(900 * 1024))));
    const res = await postChunked(t.app, '/api/project/import', BOUNDARY, body);
    expect(res.status).toBe(413);
    expect((res.body as { errors: string[] }).errors).toEqual([`Maximum total size of all files is 10240 bytes, current size is at least ${900 * 1024 + 2} bytes`]);
  });

  it('a file and a field each under the limit but over it together: 413, nothing stored', async () => {
    t = await makeTestApp({ MAX_UPLOAD_SIZE: '10kb' });
    await setConfig(t, CONFIGS.text);
    const body = form(fieldPart('note', 'n'.repeat(6000)), filePart('a.txt', 'line\n'.repeat(1200)));
    const res = await postChunked(t.app, '/api/project/import', BOUNDARY, body);
    expect(res.status).toBe(413);
    expect((res.body as { errors: string[] }).errors[0]).toMatch(/^Maximum total size of all files is 10240 bytes, current size is at least \d+ bytes$/);
    await expectNothingStored();
  });

  it('small fields beside a file are fine', async () => {
    t = await makeTestApp({ MAX_UPLOAD_SIZE: '10kb' });
    await setConfig(t, CONFIGS.text);
    const res = await postChunked(t.app, '/api/project/import', BOUNDARY, form(fieldPart('note', 'hello'), filePart('a.txt', 'one\ntwo\n')));
    expect(res.status).toBe(201);
    expect((await storedTasks(t)).map((task) => task.data.text)).toEqual(['one', 'two']);
  });
});

describe('multipart forms of the config routes', () => {
  const config = `<View><Text name="text" value="$text"/></View>`;

  it('a label_config field with a few other fields is read', async () => {
    t = await makeTestApp();
    const extra = Array.from({ length: 19 }, (_, i) => fieldPart(`x${i}`, 'v'));
    const res = await postChunked(t.app, '/api/project/config', BOUNDARY, form(fieldPart('label_config', config), ...extra));
    expect(res.status).toBe(201);
  });

  it('more than 20 fields: 400', async () => {
    t = await makeTestApp();
    const extra = Array.from({ length: 20 }, (_, i) => fieldPart(`x${i}`, 'v'));
    const res = await postChunked(t.app, '/api/project/config', BOUNDARY, form(fieldPart('label_config', config), ...extra));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ status: 400, code: 'bad_multipart', detail: 'Too many fields' });
  });

  it('a label_config field over twice the largest config: 400 from multer, before the parser', async () => {
    t = await makeTestApp();
    const res = await postChunked(t.app, '/api/validate-config', BOUNDARY, form(fieldPart('label_config', ' '.repeat(2 * MAX_CONFIG_BYTES + 1))));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ status: 400, code: 'bad_multipart', detail: 'Field value too long' });
  });

  it('a label_config field just over the config limit reaches the parser, which names the limit', async () => {
    t = await makeTestApp();
    const xml = `<View><Text name="text" value="$text"/>${' '.repeat(MAX_CONFIG_BYTES)}</View>`;
    const res = await postChunked(t.app, '/api/validate-config', BOUNDARY, form(fieldPart('label_config', xml)));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain(`the limit is ${MAX_CONFIG_BYTES} bytes`);
  });
});

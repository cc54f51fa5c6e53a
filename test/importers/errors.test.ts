// The import error catalogue (config-and-import §2.13), one row per entry: the exact
// status and body (0.8's list of messages, 400 or 413 where 0.8 answered 500), and the
// project left as it was: tasks, counts and every file of the folder, upload/ included.
import { request as httpRequest } from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { freePort } from '../helpers/server.ts';
import { expectErrorShape, expectUnchanged, snapshot } from '../http/support.ts';
import { ARCHIVE_LIMITS } from '../../src/importers/zip.ts';
import { downloadUrl } from '../../src/importers/url.ts';
import { parseAllowList } from '../../src/net/addresses.ts';
import { ImportFailure } from '../../src/importers/errors.ts';
import { CONFIGS, fileServer, makeZip, sample, setConfig } from './support.ts';

const NO_DATA = 'load_tasks: No data found in DATA or in FILES';
const NO_TASKS = 'load_tasks: No tasks added';
const MULTI_KEY =
  'Your label config has more than one data keys, direct file upload supports only one data key. To import data with multiple data keys use JSON or CSV';

type Send = (t: TestApp, ctx: { base: string }) => Promise<{ status: number; body: unknown; text: string; headers: Record<string, string> }>;

interface ErrorCase {
  name: string;
  config?: string;
  settings?: Parameters<typeof makeTestApp>[0];
  send: Send;
  status: number;
  /** The exact body (a list of messages, or the app's {status, detail}), or a check of it. */
  body: unknown[] | Record<string, unknown> | ((body: unknown) => void);
}

const upload =
  (...files: [field: string, content: string | Buffer, filename?: string][]): Send =>
  async (t) => {
    let req = request(t.app).post('/api/project/import');
    for (const [field, content, filename] of files) req = req.attach(field, Buffer.isBuffer(content) ? content : Buffer.from(content), filename ?? field);
    return req;
  };

const json =
  (body: string, type = 'application/json'): Send =>
  (t) =>
    request(t.app).post('/api/project/import').set('Content-Type', type).send(body);

const urlForm =
  (url: (base: string) => string): Send =>
  (t, { base }) =>
    request(t.app).post('/api/project/import').type('form').send({ url: url(base) });

/** A multipart body sent with chunked encoding, so the server cannot know its size up front. */
const chunkedUpload =
  (filename: string, content: Buffer): Send =>
  async (t) => {
    const server: Server = t.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as AddressInfo;
    const boundary = 'xBOUNDARYx';
    try {
      return await new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/api/project/import', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, text, body: JSON.parse(text), headers: { 'content-type': String(res.headers['content-type']) } }));
        });
        req.on('error', reject);
        req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
        for (let i = 0; i < content.length; i += 1000) req.write(content.subarray(i, i + 1000));
        req.end(`\r\n--${boundary}--\r\n`);
      });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  };

const badItems = [
  5,
  { data: 'str' },
  { data: { text: 'a' }, completions: {} },
  { data: { text: 'a' }, completions: [{}] },
  { data: { text: 'a' }, completions: [{ result: {} }] },
  { data: { text: 'a' }, completions: [5] },
  { data: { text: 'a' }, predictions: {} },
  { data: { text: 'a' }, predictions: [{}] },
  { data: { text: 'a' }, predictions: [{ result: 'x' }] },
  { data: { text: 'a' }, meta: 'x' },
  { data: { text: null } },
  { data: { text: true } },
  { text: 1.5 },
  { data: [1, 2] },
  { txt: 'bad' },
  { data: { txt: 'x' } },
  { image: 5, text: 'ok' },
];
const item = (i: number) => JSON.stringify(badItems[i]);

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i}`).join('\n');

// A local server for the URL rows: files by path, a 404, and bodies over the size cap.
const routes: Record<string, (res: import('node:http').ServerResponse) => void> = {
  '/big.txt': (res) => res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5000' }).end('x'.repeat(5000)),
  '/big-chunked.txt': (res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    for (let i = 0; i < 5; i++) res.write('y'.repeat(1000));
    res.end();
  },
  '/null.json': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('null'),
};

const CASES: ErrorCase[] = [
  // ---- nothing to import
  { name: 'multipart with text fields only', send: (t) => request(t.app).post('/api/project/import').field('note', 'no file'), status: 400, body: [NO_DATA] },
  { name: 'no Content-Type at all (0.8: 500 NoneType)', send: (t) => request(t.app).post('/api/project/import'), status: 400, body: [NO_DATA] },
  { name: 'a JSON string body', send: json('"just a string"'), status: 400, body: [NO_DATA] },
  { name: 'a JSON number body', send: json('42'), status: 400, body: [NO_DATA] },
  { name: 'a text/plain body', send: json('[{"text": "x"}]', 'text/plain'), status: 400, body: [NO_DATA] },
  { name: 'a urlencoded form without url', send: (t) => request(t.app).post('/api/project/import').type('form').send({ other: 'x' }), status: 400, body: [NO_DATA] },
  { name: 'empty TXT file', send: upload(['e.txt', '']), status: 400, body: [NO_TASKS] },
  { name: 'header-only CSV', send: upload(['d.csv', 'text,score\n']), status: 400, body: [NO_TASKS] },
  { name: 'JSON file with []', send: upload(['e.json', ' [ ] ']), status: 400, body: [NO_TASKS] },
  { name: 'JSON body []', send: json('[]'), status: 400, body: [NO_TASKS] },
  { name: 'empty ZIP', send: async (t) => upload(['empty.zip', await makeZip([])])(t, { base: '' }), status: 400, body: [NO_TASKS] },

  // ---- limits
  { name: 'more tasks than MAX_TASKS_PER_IMPORT (TXT)', settings: { MAX_TASKS_PER_IMPORT: '3' }, send: upload(['five.txt', lines(5)]), status: 413, body: ['Maximum task number is 3, current task number is 5'] },
  { name: 'more tasks than MAX_TASKS_PER_IMPORT (CSV, counted to the end)', settings: { MAX_TASKS_PER_IMPORT: '3' }, send: upload(['ten.csv', `text\n${lines(10)}`]), status: 413, body: ['Maximum task number is 3, current task number is 10'] },
  { name: 'more tasks than MAX_TASKS_PER_IMPORT (JSON body)', settings: { MAX_TASKS_PER_IMPORT: '3' }, send: json(JSON.stringify([{ text: 'a' }, { text: 'b' }, { text: 'c' }, { text: 'd' }])), status: 413, body: ['Maximum task number is 3, current task number is 4'] },
  {
    name: 'upload over MAX_UPLOAD_SIZE, size known from Content-Length',
    settings: { MAX_UPLOAD_SIZE: '1kb' },
    send: upload(['big.txt', 'z'.repeat(5000)]),
    status: 413,
    body: (b) => expect(b).toEqual([expect.stringMatching(/^Maximum total size of all files is 1024 bytes, current size is \d{4} bytes$/)]),
  },
  {
    name: 'upload over MAX_UPLOAD_SIZE, chunked (counted while streaming)',
    settings: { MAX_UPLOAD_SIZE: '1kb' },
    send: chunkedUpload('big.txt', Buffer.alloc(5000, 'z')),
    status: 413,
    // Counted in the chunks the socket delivers: a lower bound above the cap.
    body: (b) => {
      expect(b).toEqual([expect.stringMatching(/^Maximum total size of all files is 1024 bytes, current size is at least \d+ bytes$/)]);
      const n = Number(/at least (\d+)/.exec((b as string[])[0]!)![1]);
      expect(n).toBeGreaterThan(1024);
      expect(n).toBeLessThanOrEqual(5000);
    },
  },
  {
    name: 'JSON body over MAX_BODY_SIZE (refused by the app\'s JSON reader)',
    settings: { MAX_BODY_SIZE: '1kb' },
    send: json(JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ text: `task number ${i}` })))),
    status: 413,
    body: { status: 413, detail: 'Request body is larger than the limit of 1024 bytes' },
  },
  { name: 'URL over MAX_UPLOAD_SIZE by Content-Length', settings: { MAX_UPLOAD_SIZE: '1kb' }, send: urlForm((b) => `${b}/big.txt`), status: 413, body: ['Maximum total size of all files is 1024 bytes, current size is 5000 bytes'] },
  {
    name: 'URL over MAX_UPLOAD_SIZE without Content-Length',
    settings: { MAX_UPLOAD_SIZE: '1kb' },
    send: urlForm((b) => `${b}/big-chunked.txt`),
    status: 413,
    body: (b) => expect(b).toEqual([expect.stringMatching(/^Maximum total size of all files is 1024 bytes, current size is at least \d+ bytes$/)]),
  },

  // ---- files that do not parse
  { name: 'CSV row with more cells than the header', send: upload(['a.csv', 'text,score\nhello,1\nworld,2,3']), status: 400, body: ['Failed to parse input file a.csv: Error tokenizing data. C error: Expected 2 fields in line 3, saw 3'] },
  { name: 'CSV whose every row has one extra cell (pandas shifted columns; we refuse)', send: upload(['a.csv', 'text,score\nhello,1,x\nworld,2,y']), status: 400, body: ['Failed to parse input file a.csv: Error tokenizing data. C error: Expected 2 fields in line 2, saw 3'] },
  { name: 'empty CSV', send: upload(['a.csv', '']), status: 400, body: ['Failed to parse input file a.csv: No columns to parse from file'] },
  {
    name: 'CSV with an unclosed quote',
    send: upload(['q.csv', 'text\n"never closed\n']),
    status: 400,
    body: (b) => expect(b).toEqual([expect.stringMatching(/^Failed to parse input file q\.csv: Quote Not Closed/)]),
  },
  { name: 'TXT that is not UTF-8', send: upload(['b.txt', Buffer.from([0xff, 0x41])]), status: 400, body: ["Failed to parse input file b.txt: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"] },
  { name: 'CSV with a broken UTF-8 sequence', send: upload(['u.csv', Buffer.concat([Buffer.from('text\nok\ncaf'), Buffer.from([0xc3, 0x28])])]), status: 400, body: ["Failed to parse input file u.csv: 'utf-8' codec can't decode byte 0xc3 in position 11: invalid continuation byte"] },
  { name: 'TXT cut in the middle of a character', send: upload(['c.txt', Buffer.from([0x61, 0xe2, 0x82])]), status: 400, body: ["Failed to parse input file c.txt: 'utf-8' codec can't decode byte 0xe2 in position 1: unexpected end of data"] },
  { name: 'JSON array cut short', send: upload(['a.json', '[{"text": "a"},']), status: 400, body: ['Failed to parse input file a.json: Parser has expected a value'] },
  { name: 'JSON array with trailing garbage', send: upload(['a.json', '[{"text": "a"}] x']), status: 400, body: ['Failed to parse input file a.json: Parser cannot parse input: unexpected characters'] },
  {
    name: 'JSON object that does not parse',
    send: upload(['o.json', '{"text": }']),
    status: 400,
    body: (b) => expect(b).toEqual([expect.stringMatching(/^Failed to parse input file o\.json: Unexpected token/)]),
  },
  { name: 'JSON file holding null', send: upload(['a.json', 'null']), status: 400, body: ['null in a.json is not allowed'] },
  { name: 'JSON file holding a string', send: upload(['a.json', '"str"']), status: 400, body: ['Incorrect task type in a.json: "str". It is allowed "dict" or "list of dicts" only'] },
  { name: 'JSON file holding a number', send: upload(['n.json', '5']), status: 400, body: ['Incorrect task type in n.json: "5". It is allowed "dict" or "list of dicts" only'] },
  { name: 'URL of a JSON file holding null', send: urlForm((b) => `${b}/null.json`), status: 400, body: ['null in null.json is not allowed'] },

  // ---- one data key only
  { name: 'image into a two-key config', config: CONFIGS.twoKeys, send: async (t) => upload(['pic.png', await sample('kittens.jpg')])(t, { base: '' }), status: 400, body: [`Failed to parse input file pic.png: ${MULTI_KEY}`] },
  { name: 'HTML into a two-key config', config: CONFIGS.twoKeys, send: upload(['p.html', '<p>x</p>']), status: 400, body: [`Failed to parse input file p.html: ${MULTI_KEY}`] },

  // ---- archives
  { name: 'a .zip that is not a zip', send: upload(['x.zip', 'PK but not really']), status: 400, body: ['Failed to parse input file x.zip: File is not a zip file'] },
  { name: 'RAR archives', send: upload(['x.rar', 'Rar!\x1a\x07\x00']), status: 400, body: ['Failed to parse input file x.rar: RAR archives are not supported'] },
  {
    name: 'a member that fails is named inside its archive',
    send: async (t) => upload(['x.zip', await makeZip([{ name: 'ok.txt', content: 'fine' }, { name: 'sub/bad.json', content: 'null' }])])(t, { base: '' }),
    status: 400,
    body: ['null in x.zip/sub/bad.json is not allowed'],
  },
  {
    name: 'archives nested four deep',
    send: async (t) => {
      let zip = await makeZip([{ name: 'd.txt', content: 'deep' }]);
      for (const n of ['c', 'b', 'a']) zip = await makeZip([{ name: `${n}.zip`, content: zip }]);
      return upload(['top.zip', zip])(t, { base: '' });
    },
    status: 400,
    body: ['Failed to parse input file top.zip/a.zip/b.zip/c.zip: archives nested more than 3 deep are not supported'],
  },

  // ---- URL downloads
  { name: 'URL answering 404', send: urlForm((b) => `${b}/missing.json`), status: 400, body: ['HTTP Error 404: Not Found'] },
  { name: 'not a URL', send: urlForm(() => 'not a url'), status: 400, body: ["unknown url type: 'not a url'"] },
  { name: 'a scheme other than http(s)', send: urlForm(() => 'file:///etc/passwd'), status: 400, body: ['Only http and https URLs can be imported, not file: file:///etc/passwd'] },
  {
    name: 'nobody listening',
    send: async (t, ctx) => {
      const port = await freePort();
      return urlForm(() => `http://127.0.0.1:${port}/tasks.json`)(t, ctx);
    },
    status: 400,
    body: (b) => expect(b).toEqual([expect.stringMatching(/^Download of http:\/\/127\.0\.0\.1:\d+\/tasks\.json failed: connect ECONNREFUSED 127\.0\.0\.1:\d+$/)]),
  },

  // ---- malformed JSON body: parsed by the app's JSON reader, which names the problem
  {
    name: 'malformed JSON body',
    send: json('[{"text": "a"'),
    status: 400,
    body: (b) => expect(b).toEqual({ status: 400, code: 'malformed_json', detail: expect.stringMatching(/^Malformed JSON body: /) }),
  },

  // ---- per-item validation, from a JSON file (the same rules as a JSON body)
  {
    name: 'every per-item message, one per failing item, nothing stored',
    config: `<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="a"/><Choice value="b"/></Choices></View>`,
    send: upload(['items.json', JSON.stringify(badItems)]),
    status: 400,
    body: [
      `Error at item 0: Task root must be dict with "data", "meta", "completions", "predictions" fields :: 5`,
      `Error at item 1: Task[data] must be an object :: ${item(1)}`,
      `Error at item 2: Task[completions] must be a list :: ${item(2)}`,
      `Error at item 3: Completion must have "result" fields :: ${item(3)}`,
      `Error at item 4: "result" field in completion must be list :: ${item(4)}`,
      `Error at item 5: Completion must have "result" fields :: ${item(5)}`,
      `Error at item 6: Task[predictions] must be a list :: ${item(6)}`,
      `Error at item 7: Prediction must have "result" fields :: ${item(7)}`,
      `Error at item 8: "result" field in prediction must be list :: ${item(8)}`,
      `Error at item 9: Task[meta] must be an object or a list :: ${item(9)}`,
      `Error at item 10: data["text"]=null is of type "null", but types "string, number, boolean" are expected [assume: item["data"] = task root with values] :: ${item(10)}`,
      `Error at item 13: Task[data] must be an object :: ${item(13)}`,
      `Error at item 14: "text" key is expected in task data [assume: item as is = task root with values]  :: ${item(14)}`,
      `Error at item 15: "text" key is expected in task data [assume: item["data"] = task root with values] :: ${item(15)}`,
    ],
  },
  {
    name: 'a wrong value type (Image wants a string)',
    config: CONFIGS.image,
    send: upload(['i.json', '[{"image": "ok.png"}, {"image": 5}]']),
    status: 400,
    body: [`Error at item 1: data["image"]=5 is of type "number", but types "string" are expected [assume: item as is = task root with values]  :: {"image":5}`],
  },
  {
    name: '150 bad items: 99 messages and "..."',
    send: upload(['many.json', JSON.stringify(Array.from({ length: 150 }, (_, i) => ({ nope: i })))]),
    status: 400,
    body: (b) => {
      const list = b as string[];
      expect(list).toHaveLength(100);
      expect(list[0]).toBe('Error at item 0: "text" key is expected in task data [assume: item as is = task root with values]  :: {"nope":0}');
      expect(list[98]).toBe('Error at item 98: "text" key is expected in task data [assume: item as is = task root with values]  :: {"nope":98}');
      expect(list[99]).toBe('...');
    },
  },
  {
    name: 'a hosted file beside an invalid task is not written (0.8 Quirk Q-I9)',
    send: async (t) => upload(['kittens.jpg', await sample('kittens.jpg')], ['bad.json', '[{"txt": 1}]'])(t, { base: '' }),
    status: 400,
    body: ['Error at item 1: "text" key is expected in task data [assume: item as is = task root with values]  :: {"txt":1}'],
  },
];

describe('POST /api/project/import: the error catalogue', () => {
  let files: Awaited<ReturnType<typeof fileServer>>;
  const apps: TestApp[] = [];
  beforeAll(async () => {
    files = await fileServer((req, res) => {
      const route = routes[req.url ?? ''];
      if (route) route(res);
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('nope');
    });
  });
  afterAll(async () => {
    await files.close();
  });
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
  });

  it.each(CASES)('$name', async (c) => {
    // The URL rows download from the file server on 127.0.0.1, which is refused unless allowed.
    const t = await makeTestApp({ FETCH_ALLOW: '127.0.0.1', ...c.settings });
    apps.push(t);
    if (c.config) await setConfig(t, c.config);
    await request(t.app).post('/api/project/import').send([{ text: 'already here', image: 'a.png', caption: 'c' }]).expect(201);
    const before = await snapshot(t);
    const res = await c.send(t, { base: files.base });
    expect(res.status, res.text).toBe(c.status);
    expectErrorShape(res, c.name);
    // Import errors list their messages in errors (0.8 sent that list as the whole body).
    const body = res.body as { errors?: unknown };
    const view = Array.isArray(body.errors) ? body.errors : res.body;
    if (typeof c.body === 'function') c.body(view);
    else if (Array.isArray(c.body)) expect(view).toEqual(c.body);
    else expect(res.body).toMatchObject(c.body);
    expect(res.text).not.toMatch(/traceback|\.ts:\d+|\/tmp\//i);
    await expectUnchanged(t, before, c.name);
  });
});

describe('archive caps (zip bombs)', () => {
  let t: TestApp;
  const saved = { ...ARCHIVE_LIMITS };
  afterEach(async () => {
    Object.assign(ARCHIVE_LIMITS, saved);
    await t.close();
  });

  it.each([
    { name: 'too many members', limits: { members: 3 }, body: ['Failed to parse input file x.zip: archives may hold at most 3 files'] },
    { name: 'too many bytes once expanded', limits: { bytes: 10_000 }, body: ['Failed to parse input file x.zip: archives may expand to at most 10000 bytes'] },
  ])('$name: 413, nothing stored', async ({ limits, body }) => {
    t = await makeTestApp();
    Object.assign(ARCHIVE_LIMITS, limits);
    const zip = await makeZip(Array.from({ length: 5 }, (_, i) => ({ name: `f${i}.txt`, content: 'a'.repeat(4000) })));
    const before = await snapshot(t);
    const res = await request(t.app).post('/api/project/import').attach('file', zip, 'x.zip');
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ status: 413, code: 'import_too_large', detail: body[0], errors: body });
    await expectUnchanged(t, before, 'archive cap');
  });
});

describe('URL download timeout', () => {
  it('gives up after the timeout with a message that says so', async () => {
    const slow = await fileServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      // never ends
    });
    const tempDir = await mkdtemp(join(tmpdir(), 'ls-url-test-'));
    try {
      const err = await downloadUrl(`${slow.base}/slow.json`, { tempDir, maxBytes: 1000, timeoutMs: 200, allow: parseAllowList('127.0.0.1') }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ImportFailure);
      expect((err as ImportFailure).message).toBe(`Download of ${slow.base}/slow.json timed out after 200 ms`);
      expect((err as ImportFailure).status).toBe(400);
      // The partial download is not left behind.
      expect(await readdir(tempDir)).toEqual([]);
    } finally {
      await slow.close();
      await rm(tempDir, { recursive: true, force: true });
    }
  });
});

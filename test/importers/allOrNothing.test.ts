// An import either stores all its tasks and files or leaves nothing behind. Failures
// that used to come after the hosted files were in upload/ (a 500 each): JSON files
// nested deeper than JSON bodies may be, a journal record too large for one string,
// and a store that refuses the record.
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/util/json.ts';
import { MAX_IMPORT_CHARS } from '../../src/importers/recordSize.ts';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { CONFIGS, fileServer, makeZip, setConfig, storedTasks, uploadedFiles } from './support.ts';

let t: TestApp;
beforeEach(async () => {
  // The download test's file server is on 127.0.0.1, refused unless allowed.
  t = await makeTestApp({ FETCH_ALLOW: '127.0.0.1' });
  await setConfig(t, CONFIGS.text);
});
afterEach(async () => {
  await t.close();
});

const PNG = Buffer.from('PNGDATA');
const TOO_DEEP = `JSON is nested deeper than ${MAX_JSON_DEPTH} levels`;
/** `depth` arrays, one inside the other. */
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

async function expectNothingStored(): Promise<void> {
  expect((await storedTasks(t))).toEqual([]);
  expect(await uploadedFiles(t)).toEqual([]);
}

describe('JSON files are held to the depth limit of JSON bodies', () => {
  it.each([
    { name: 'an array file, 100,000 levels deep', file: `[{"text": "a", "deep": ${nested(100_000)}}]` },
    { name: 'a single-object file, 100,000 levels deep', file: `{"text": "a", "deep": ${nested(100_000)}}` },
    { name: 'an array file one level too deep', file: `[{"text": "a", "deep": ${nested(MAX_JSON_DEPTH - 1)}}]` },
  ])('$name beside a picture: 400 naming the file, nothing stored', async ({ file }) => {
    await setConfig(t, CONFIGS.noKeys);
    const res = await request(t.app).post('/api/project/import').attach('tasks.json', Buffer.from(file), 'tasks.json').attach('pic.png', PNG, 'pic.png');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([`Failed to parse input file tasks.json: ${TOO_DEEP}`]);
    await expectNothingStored();
  });

  it('the deepest file a JSON body may match is imported, and one level more is refused, as for the body', async () => {
    const ok = `[{"text": "a", "deep": ${nested(MAX_JSON_DEPTH - 2)}}]`; // array, object, then 98 levels
    const deep = `[{"text": "a", "deep": ${nested(MAX_JSON_DEPTH - 1)}}]`;
    const asBody = (json: string) => request(t.app).post('/api/project/import').type('json').send(json);
    const asFile = (json: string) => request(t.app).post('/api/project/import').attach('t.json', Buffer.from(json), 't.json');
    expect((await asBody(ok)).status).toBe(201);
    expect((await asFile(ok)).status).toBe(201);
    expect((await asBody(deep)).status).toBe(400);
    expect((await asFile(deep)).status).toBe(400);
    expect((await storedTasks(t))).toHaveLength(2);
  });

  it('a deep member of a zip: 400 naming the member', async () => {
    const zip = await makeZip([{ name: 'pic.png', content: PNG }, { name: 'in/tasks.json', content: `[{"text": "a", "deep": ${nested(5000)}}]` }]);
    await setConfig(t, CONFIGS.noKeys);
    const res = await request(t.app).post('/api/project/import').attach('file', zip, 'x.zip');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([`Failed to parse input file x.zip/in/tasks.json: ${TOO_DEEP}`]);
    await expectNothingStored();
  });

  it('a deep JSON download: 400 naming the file', async () => {
    const server = await fileServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"text": "a", "deep": ${nested(5000)}}`);
    });
    try {
      const res = await request(t.app).post('/api/project/import').type('form').send({ url: `${server.base}/tasks.json` });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([`Failed to parse input file tasks.json: ${TOO_DEEP}`]);
      await expectNothingStored();
    } finally {
      await server.close();
    }
  });
});

describe('tasks too large for one journal record', () => {
  it('a 3 MB CSV whose long header names repeat in 60,000 rows: 413 within seconds, no file kept', async () => {
    const cols = Array.from({ length: 50 }, (_, i) => `${'k'.repeat(2000)}${i}`);
    const csv = Buffer.from(`text,${cols.join(',')}\n` + `a${','.repeat(50)}\n`.repeat(60_000));
    expect(csv.length).toBeLessThan(4 * 1024 * 1024);
    const start = performance.now();
    const res = await request(t.app).post('/api/project/import').attach('a.csv', csv, 'a.csv').attach('p.png', PNG, 'p.png');
    expect(res.status).toBe(413);
    expect(res.body.errors).toEqual([`The tasks of this import are too large to store at once (over ${MAX_IMPORT_CHARS} characters of JSON); import them in smaller parts`]);
    expect(performance.now() - start).toBeLessThan(5000); // was a 500 after ~16 s
    await expectNothingStored();
  });
});

describe('a store that refuses the record', () => {
  it('leaves no file this import added, and keeps the files earlier imports added', async () => {
    await setConfig(t, CONFIGS.image);
    const first = await request(t.app).post('/api/project/import').attach('old.png', Buffer.from('OLD'), 'old.png');
    expect(first.status).toBe(201);
    const kept = await uploadedFiles(t);
    expect(kept).toHaveLength(1);
    // A closed store refuses every change, as one whose journal cannot be written does.
    await t.project.store.close();
    const res = await request(t.app).post('/api/project/import').attach('old.png', Buffer.from('OLD'), 'old.png').attach('new.png', Buffer.from('NEW'), 'new.png');
    expect(res.status).toBe(500);
    expect(await uploadedFiles(t)).toEqual(kept);
  });
});

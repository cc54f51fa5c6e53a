// GET /api/project/export?format=JSON|JSON_MIN: the right records, as a .json file or a
// zip (?zip=1); a missing, unknown or unsupported format is a 400. (The exporters' own
// golden tests cover the other formats.)
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { choiceCompletion, choiceResult, expectRejected, importTexts } from './support.ts';
import { exportJson, unzip } from './exportSupport.ts';

describe('GET /api/project/export', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
    await importTexts(t.app, ['zero café', 'one', 'two', 'three']);
  });
  afterEach(async () => {
    await t.close();
  });

  it('an empty project exports []', async () => {
    expect(await exportJson(t.app, 'JSON')).toEqual([]);
    expect(await exportJson(t.app, 'JSON_MIN')).toEqual([]);
  });

  it('JSON: every completions file as stored; JSON_MIN: the newest non-cancelled completion per task', async () => {
    await request(t.app).post('/api/tasks/2/completions').send(choiceCompletion('Negative', 1, 'a')).expect(201);
    await request(t.app).post('/api/tasks/0/completions').send(choiceCompletion('Positive', 2, 'b')).expect(201);
    await request(t.app).post('/api/tasks/3/completions?was_cancelled=1').send({ result: [], lead_time: 3 }).expect(201);
    await request(t.app).patch('/api/tasks/1').send({ predictions: [{ result: [choiceResult('Neutral', 'p')], score: 0.5 }] }).expect(200);
    // A second completion on task 2, made a second later: JSON_MIN takes it.
    const at = (await request(t.app).get('/api/tasks?page_size=10')).body.map((task: { completions?: { created_at: number }[] }) => task.completions?.map((c) => c.created_at));
    await new Promise((r) => setTimeout(r, 1100));
    await request(t.app).post('/api/tasks/2/completions').send(choiceCompletion('Neutral', 4, 'c')).expect(201);
    const task2 = (await request(t.app).get('/api/tasks/2')).body;

    const json = await exportJson(t.app, 'JSON');
    expect(json).toEqual([
      { id: 0, data: { text: 'zero café' }, completions: [{ id: 1, created_at: at[0][0], lead_time: 2, result: [choiceResult('Positive', 'b')] }] },
      {
        id: 2,
        data: { text: 'two' },
        completions: [
          { id: 2001, created_at: at[2][0], lead_time: 1, result: [choiceResult('Negative', 'a')] },
          { id: 2002, created_at: task2.completions[1].created_at, lead_time: 4, result: [choiceResult('Neutral', 'c')] },
        ],
      },
      { id: 3, data: { text: 'three' }, completions: [{ id: 3001, created_at: at[3][0], lead_time: 3, result: [], was_cancelled: true }] },
    ]);
    expect(await exportJson(t.app, 'JSON_MIN')).toEqual([
      { text: 'zero café', id: 0, sentiment: 'Positive' },
      { text: 'two', id: 2, sentiment: 'Neutral' },
    ]);
  });

  it('?zip=1 sends a zip with result.json', async () => {
    await request(t.app).post('/api/tasks/1/completions').send(choiceCompletion('Positive')).expect(201);
    for (const format of ['JSON', 'JSON_MIN'] as const) {
      const entries = await unzip(t.app, `/api/project/export?format=${format}&zip=1`);
      expect(Object.keys(entries)).toEqual(['result.json']);
      const records = JSON.parse(entries['result.json']!.toString('utf8'));
      expect(records).toEqual(await exportJson(t.app, format));
    }
  });

  it('a missing, unknown or unsupported format is a 400 and changes nothing', async () => {
    await request(t.app).post('/api/tasks/1/completions').send(choiceCompletion('Positive')).expect(201);
    const detail = (re: RegExp) => ({ status: 400, detail: expect.stringMatching(re) });
    await expectRejected(t, [
      { method: 'get', path: '/api/project/export', status: 400, expected: detail(/^Missing "format"; this project supports JSON, JSON_MIN/) },
      { method: 'get', path: '/api/project/export?format=', status: 400, expected: detail(/^Missing "format"/) },
      { method: 'get', path: '/api/project/export?format=json', status: 400, expected: detail(/^Unknown format "json"/) },
      { method: 'get', path: '/api/project/export?format=XML', status: 400, expected: detail(/^Unknown format "XML"/) },
      { method: 'get', path: '/api/project/export?format=JSON&format=CSV', status: 400, expected: detail(/^Missing "format"/) },
      // COCO needs an image config; this project labels text.
      { method: 'get', path: '/api/project/export?format=COCO', status: 400, expected: detail(/^Format "COCO" is not supported by the current labeling config/) },
    ]);
  });
});

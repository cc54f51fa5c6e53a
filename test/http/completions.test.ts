// POST|DELETE /api/tasks/<id>/completions, PATCH|DELETE /api/tasks/<id>/completions/<cid>,
// GET|DELETE /api/completions; the fixes of api.md §12: ids never reused, only 1/true
// skip, PATCH of an unknown completion is 404, client created_at ignored on update,
// every delete gated by allow_delete_completions.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { choiceCompletion, choiceResult, expectRejected, importTexts, saved } from './support.ts';

const now = () => Math.floor(Date.now() / 1000);

describe('completions', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
    await importTexts(t.app, ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'Ünïcode café ☃']);
  });
  afterEach(async () => {
    await t.close();
  });

  it('POST creates a completion with id task*1000 + n and created_at; the file is 0.8 layout', async () => {
    const before = now();
    const res = await request(t.app).post('/api/tasks/8/completions/').send(choiceCompletion('Positive', 6.1, 'a0'));
    const after = now();
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: 8001 });
    const task = await request(t.app).get('/api/tasks/8');
    const createdAt = task.body.completions[0].created_at as number;
    expect(createdAt).toBeGreaterThanOrEqual(before);
    expect(createdAt).toBeLessThanOrEqual(after);
    expect(task.body).toEqual({
      id: 8,
      data: { text: 'Ünïcode café ☃' },
      completions: [{ id: 8001, created_at: createdAt, lead_time: 6.1, result: [choiceResult('Positive', 'a0')] }],
      predictions: [],
    });
    const zero = await request(t.app).post('/api/tasks/0/completions').send(choiceCompletion('Negative'));
    expect(zero.body).toEqual({ id: 1 });
    expect((await request(t.app).get('/api/completions')).body).toEqual({ ids: [0, 8] });
    const project = await request(t.app).get('/api/project');
    expect(project.body.completion_count).toBe(2);

    await t.project.store.close();
    expect(Object.keys((await saved(t)).completions).sort()).toEqual(['0', '8']);
    if (t.engine !== 'folder') return;
    // The folder's file: sorted keys, 2-space indent, non-ASCII as \uXXXX, no final newline, no predictions.
    const text = await readFile(join(t.dir, 'completions/8.json'), 'utf8');
    expect(text).toBe(
      `{\n  "completions": [\n    {\n      "created_at": ${createdAt},\n      "id": 8001,\n      "lead_time": 6.1,\n      "result": [\n` +
        `        {\n          "from_name": "sentiment",\n          "id": "a0",\n          "to_name": "text",\n          "type": "choices",\n` +
        `          "value": {\n            "choices": [\n              "Positive"\n            ]\n          }\n        }\n      ]\n    }\n  ],\n` +
        `  "data": {\n    "text": "\\u00dcn\\u00efcode caf\\u00e9 \\u2603"\n  },\n  "id": 8\n}`,
    );
    expect((await readdir(join(t.dir, 'completions'))).sort()).toEqual(['0.json', '8.json']);
  });

  it('was_cancelled=1 or true skips; other values do not; body flags are dropped', async () => {
    const cases: [string, boolean][] = [
      ['?was_cancelled=1', true],
      ['?was_cancelled=true', true],
      ['?was_cancelled=0', false],
      ['?was_cancelled=false', false],
      ['?was_cancelled=yes', false],
      ['?was_cancelled=', false],
      ['', false],
    ];
    for (const [i, [query, cancelled]] of cases.entries()) {
      const res = await request(t.app).post(`/api/tasks/${i}/completions${query}`).send({ result: [], lead_time: 2.4, was_cancelled: true, skipped: true });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: i * 1000 + 1 });
      const task = await request(t.app).get(`/api/tasks/${i}`);
      const stored = { id: i * 1000 + 1, created_at: task.body.completions[0].created_at, lead_time: 2.4, result: [] };
      expect(task.body.completions, query).toEqual([cancelled ? { ...stored, was_cancelled: true } : stored]);
    }
    const list = await request(t.app).get('/api/tasks?fields=id,has_cancelled_completions&page_size=7');
    expect(list.body).toEqual([
      { id: 0, has_cancelled_completions: 1 },
      { id: 1, has_cancelled_completions: 1 },
      { id: 2, has_cancelled_completions: 0 },
      { id: 3, has_cancelled_completions: 0 },
      { id: 4, has_cancelled_completions: 0 },
      { id: 5, has_cancelled_completions: 0 },
      { id: 6, has_cancelled_completions: 0 },
    ]);
  });

  it('POST with the id of an existing completion updates it, keeping created_at', async () => {
    const first = await request(t.app).post('/api/tasks/0/completions').send(choiceCompletion('Positive'));
    expect(first.body).toEqual({ id: 1 });
    const original = (await request(t.app).get('/api/tasks/0')).body.completions[0];
    // LSF's skip of a saved completion.
    const skip = await request(t.app).post('/api/tasks/0/completions?was_cancelled=1').send({ id: 1, result: [], created_at: 5 });
    expect(skip.body).toEqual({ id: 1 });
    expect((await request(t.app).get('/api/tasks/0')).body.completions).toEqual([{ ...original, result: [], was_cancelled: true }]);
    // A body id that matches nothing gets a new id.
    const other = await request(t.app).post('/api/tasks/0/completions').send({ id: 77, result: [] });
    expect(other.body).toEqual({ id: 2 });
    // A plain POST with an existing id un-skips it.
    await request(t.app).post('/api/tasks/0/completions').send({ id: 1, result: [choiceResult('Neutral')] });
    const completions = (await request(t.app).get('/api/tasks/0')).body.completions;
    expect(completions[0]).toEqual({ ...original, result: [choiceResult('Neutral')] });
    expect(completions.map((c: { id: number }) => c.id)).toEqual([1, 2]);
  });

  it('completion ids are never reused: 7001, 7002, delete 7002, next is 7003', async () => {
    expect((await request(t.app).post('/api/tasks/7/completions').send(choiceCompletion('Positive'))).body).toEqual({ id: 7001 });
    expect((await request(t.app).post('/api/tasks/7/completions').send(choiceCompletion('Negative'))).body).toEqual({ id: 7002 });
    await request(t.app).delete('/api/tasks/7/completions/7002').expect(204);
    expect((await request(t.app).post('/api/tasks/7/completions').send(choiceCompletion('Neutral'))).body).toEqual({ id: 7003 });
    // Deleting the first one too, then all of the task's, then all completions.
    await request(t.app).delete('/api/tasks/7/completions/7001').expect(204);
    expect((await request(t.app).post('/api/tasks/7/completions').send({ result: [] })).body).toEqual({ id: 7004 });
    await request(t.app).delete('/api/tasks/7/completions').expect(204);
    expect((await request(t.app).post('/api/tasks/7/completions').send({ result: [] })).body).toEqual({ id: 7005 });
    await request(t.app).delete('/api/completions').expect(201);
    expect((await request(t.app).post('/api/tasks/7/completions').send({ result: [] })).body).toEqual({ id: 7006 });
    // And after a restart (the highest ids given are kept beside the 0.8 files).
    await t.reopen();
    const app = t.app;
    await request(app).delete('/api/tasks/7/completions').expect(204);
    expect((await request(app).post('/api/tasks/7/completions').send({ result: [] })).body).toEqual({ id: 7007 });
  });

  it('PATCH merges into the completion; created_at stays; was_cancelled in the body un-skips', async () => {
    await request(t.app).post('/api/tasks/3/completions?was_cancelled=1').send({ result: [], lead_time: 1 });
    const original = (await request(t.app).get('/api/tasks/3')).body.completions[0];
    expect(original.was_cancelled).toBe(true);
    const res = await request(t.app)
      .patch('/api/tasks/3/completions/3001/')
      .send({ lead_time: 9.9, result: [choiceResult('Positive', 'r')], created_at: 5, id: 42, was_cancelled: true, honeypot: true });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ detail: 'ok' });
    expect((await request(t.app).get('/api/tasks/3')).body.completions).toEqual([
      { id: 3001, created_at: original.created_at, lead_time: 9.9, result: [choiceResult('Positive', 'r')], was_cancelled: false, honeypot: true },
    ]);
    // The literal id "null" (an unsaved completion in LSF) does nothing.
    const before = (await request(t.app).get('/api/tasks/3')).body;
    const nul = await request(t.app).patch('/api/tasks/3/completions/null').send({ result: [] });
    expect(nul.status).toBe(200);
    expect(nul.body).toEqual({ detail: 'completion id is null' });
    const delNull = await request(t.app).delete('/api/tasks/3/completions/null');
    expect(delNull.status).toBe(200);
    expect((await request(t.app).get('/api/tasks/3')).body).toEqual(before);
  });

  it('DELETE of one completion keeps the file (the task stays completed), without predictions', async () => {
    await request(t.app).patch('/api/tasks/4').send({ predictions: [{ result: [choiceResult('Neutral', 'p')], score: 0.5 }] });
    await request(t.app).post('/api/tasks/4/completions').send(choiceCompletion('Positive'));
    await request(t.app).post('/api/tasks/4/completions').send(choiceCompletion('Negative'));
    const res = await request(t.app).delete('/api/tasks/4/completions/4001/');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    const task = (await request(t.app).get('/api/tasks/4')).body;
    expect(task.completions.map((c: { id: number }) => c.id)).toEqual([4002]);
    expect(task.predictions).toEqual([{ result: [choiceResult('Neutral', 'p')], score: 0.5 }]);
    await request(t.app).delete('/api/tasks/4/completions/4002').expect(204);
    expect((await request(t.app).get('/api/tasks/4')).body.completions).toEqual([]);
    expect((await request(t.app).get('/api/completions')).body).toEqual({ ids: [4] });
    // Unknown completion ids of a known task: a silent 204, as in 0.8.
    await request(t.app).delete('/api/tasks/4/completions/4999').expect(204);
    await request(t.app).delete('/api/tasks/5/completions/5001').expect(204);
    await t.project.store.close();
    expect((await saved(t)).completions).toEqual({ 4: { completions: [], data: { text: 'four' }, id: 4 } });
  });

  it('DELETE of a task\'s completions puts it back in the stream', async () => {
    await request(t.app).post('/api/tasks/0/completions').send(choiceCompletion('Positive'));
    expect((await request(t.app).get('/api/project/next')).body.id).toBe(1);
    const res = await request(t.app).delete('/api/tasks/0/completions');
    expect(res.status).toBe(204);
    expect((await request(t.app).get('/api/tasks/0')).body).toEqual({ id: 0, data: { text: 'zero' } });
    expect((await request(t.app).get('/api/project/next')).body.id).toBe(0);
    // Nothing to delete: still 204.
    await request(t.app).delete('/api/tasks/0/completions').expect(204);
    await t.project.store.close();
    expect((await saved(t)).completions).toEqual({});
  });

  it('GET /api/completions lists task ids; DELETE removes every completion', async () => {
    for (const id of [5, 2, 7]) await request(t.app).post(`/api/tasks/${id}/completions`).send(choiceCompletion('Positive'));
    const list = await request(t.app).get('/api/completions/');
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ ids: [2, 5, 7] });
    const del = await request(t.app).delete('/api/completions');
    expect(del.status).toBe(201);
    expect(del.body).toEqual({ detail: 'done' });
    expect((await request(t.app).get('/api/completions')).body).toEqual({ ids: [] });
    expect((await request(t.app).get('/api/project')).body.completion_count).toBe(0);
    expect((await request(t.app).get('/api/tasks/2')).body).toEqual({ id: 2, data: { text: 'two' } });
    await t.project.store.close();
    expect((await saved(t)).completions).toEqual({});
  });

  it('GET /api/tasks/<id>/completions lists the task\'s completions', async () => {
    expect((await request(t.app).get('/api/tasks/1/completions')).body).toEqual([]);
    await request(t.app).post('/api/tasks/1/completions').send(choiceCompletion('Positive'));
    const res = await request(t.app).get('/api/tasks/1/completions/');
    expect(res.body).toEqual([{ id: 1001, created_at: res.body[0].created_at, lead_time: 1.5, result: [choiceResult('Positive')] }]);
  });

  it('bad requests change nothing', async () => {
    await request(t.app).post('/api/tasks/1/completions').send(choiceCompletion('Positive'));
    const missingTask = (id: number) => ({ status: 404, detail: `Task ${id} not found` });
    const badId = (raw: string, what: string) => ({ status: 400, detail: `${what} must be a non-negative integer, got ${JSON.stringify(raw)}` });
    await expectRejected(t, [
      { method: 'post', path: '/api/tasks/99/completions', body: { result: [] }, status: 404, expected: missingTask(99) },
      { method: 'post', path: '/api/tasks/abc/completions', body: { result: [] }, status: 400, expected: badId('abc', 'task id') },
      { method: 'post', path: '/api/tasks/12abc/completions', body: { result: [] }, status: 400, expected: badId('12abc', 'task id') },
      { method: 'post', path: '/api/tasks/1/completions', status: 400, expected: { status: 400, detail: 'Body must be a JSON object (the completion)' } },
      { method: 'post', path: '/api/tasks/1/completions', body: [], status: 400, expected: { status: 400, detail: 'Body must be a JSON object (the completion)' } },
      { method: 'post', path: '/api/tasks/1/completions', body: 'null', status: 400, expected: { status: 400, detail: 'Body must be a JSON object (the completion)' } },
      { method: 'post', path: '/api/tasks/1/completions', body: { result: {} }, status: 400, expected: { status: 400, detail: '"result" must be a list' } },
      { method: 'post', path: '/api/tasks/1/completions', body: { lead_time: 2 }, status: 400, expected: { status: 400, detail: '"result" must be a list' } },
      { method: 'post', path: '/api/tasks/1/completions?was_cancelled=1', body: {}, status: 400, expected: { status: 400, detail: '"result" must be a list' } },
      { method: 'post', path: '/api/tasks/1/completions', body: '{bad', status: 400, expected: { status: 400, detail: expect.stringMatching(/^Malformed JSON body: /) } },
      {
        method: 'post',
        path: '/api/tasks/1/completions',
        body: '{"result": []}',
        type: 'text/plain',
        status: 400,
        expected: { status: 400, detail: 'Body must be a JSON object (the completion)' },
      },
      { method: 'patch', path: '/api/tasks/1/completions/1009', body: { honeypot: true }, status: 404, expected: { status: 404, detail: 'Completion 1009 not found in task 1' } },
      { method: 'patch', path: '/api/tasks/2/completions/2001', body: { honeypot: true }, status: 404, expected: { status: 404, detail: 'Completion 2001 not found in task 2' } },
      { method: 'patch', path: '/api/tasks/99/completions/1', body: { result: [] }, status: 404, expected: missingTask(99) },
      { method: 'patch', path: '/api/tasks/1/completions/abc', body: { result: [] }, status: 400, expected: badId('abc', 'completion id') },
      { method: 'patch', path: '/api/tasks/1/completions/1001', body: { result: 'x' }, status: 400, expected: { status: 400, detail: '"result" must be a list' } },
      { method: 'patch', path: '/api/tasks/1/completions/1001', body: [1], status: 400, expected: { status: 400, detail: 'Body must be a JSON object (the completion)' } },
      { method: 'patch', path: '/api/tasks/1/completions/1001', body: '{"x":', status: 400 },
      { method: 'delete', path: '/api/tasks/99/completions/1', status: 404, expected: missingTask(99) },
      { method: 'delete', path: '/api/tasks/1/completions/1x', status: 400, expected: badId('1x', 'completion id') },
      { method: 'delete', path: '/api/tasks/x/completions/1', status: 400, expected: badId('x', 'task id') },
      { method: 'delete', path: '/api/tasks/99/completions', status: 404, expected: missingTask(99) },
      { method: 'delete', path: '/api/tasks/-3/completions', status: 400, expected: badId('-3', 'task id') },
    ]);
  });
});

describe('allow_delete_completions false', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  it('every completion delete is a 422 and changes nothing (also DELETE /api/completions)', async () => {
    t = await makeTestApp();
    await importTexts(t.app, ['a', 'b']);
    await request(t.app).post('/api/tasks/0/completions').send(choiceCompletion('Positive'));
    await request(t.app).patch('/api/project').send({ allow_delete_completions: false }).expect(201);
    const refused = { detail: 'Completion removing is not allowed in server config' };
    await expectRejected(t, [
      { method: 'delete', path: '/api/tasks/0/completions/1', status: 422, expected: refused },
      { method: 'delete', path: '/api/tasks/0/completions', status: 422, expected: refused },
      { method: 'delete', path: '/api/tasks/1/completions', status: 422, expected: refused },
      { method: 'delete', path: '/api/completions', status: 422, expected: refused },
    ]);
    // Creating and updating are still allowed.
    await request(t.app).post('/api/tasks/1/completions').send(choiceCompletion('Negative')).expect(201);
    await request(t.app).patch('/api/tasks/0/completions/1').send({ honeypot: true }).expect(201);
  });

  it('a config.json without the key counts as false (as in 0.8)', async () => {
    const { writeProject, DEFAULT_SETTINGS } = await import('./projectFolder.ts');
    const { allow_delete_completions: _x, ...settings } = DEFAULT_SETTINGS;
    t = await makeTestApp(
      {},
      writeProject({ settings: { ...settings, allow_delete_completions: undefined }, tasks: [{ id: 0, data: { text: 'a' } }], completions: { 0: [{ id: 1, created_at: 1, result: [] }] } }),
    );
    await expectRejected(t, [{ method: 'delete', path: '/api/completions', status: 422, expected: { detail: 'Completion removing is not allowed in server config' } }]);
  });
});

// GET|DELETE /api/tasks (page, page_size, the six orders, fields) and
// GET|DELETE|PATCH|POST /api/tasks/<id>.
process.env.TZ = 'UTC'; // completed_at is local time; the expected strings below are UTC.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { choiceCompletion, choiceResult, expectRejected, importTexts, saved } from './support.ts';
import { writeProject } from './projectFolder.ts';

const T = 1795854596; // 2026-11-28 08:29:56 UTC

const done = (id: number, at: number, skipped = false) => ({
  created_at: at,
  id: id * 1000 + 1,
  lead_time: 1.5,
  result: skipped ? [] : [choiceResult('Positive')],
  ...(skipped ? { was_cancelled: true } : {}),
});

/**
 * The example of api.md §5.14: tasks 0-6; completed 2 at t, 0 at t+1 (skipped), 4, 1
 * and 5 (skipped) at t+2; 3 and 6 unlabeled.
 */
const orderProject = writeProject({
  tasks: [0, 1, 2, 3, 4, 5, 6].map((id) => ({ id, data: { text: `task ${id}` } })),
  completions: {
    2: [done(2, T)],
    0: [done(0, T + 1, true)],
    4: [done(4, T + 2)],
    1: [done(1, T + 2)],
    5: [done(5, T + 2, true)],
  },
});

const ids = (body: { id: number }[]) => body.map((t) => t.id);

describe('GET /api/tasks', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp({}, orderProject);
  });
  afterEach(async () => {
    await t.close();
  });

  it('lists completed tasks with completed_at and has_cancelled_completions, others as stored', async () => {
    const res = await request(t.app).get('/api/tasks?page=1&page_size=3');
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      {
        id: 0,
        data: { text: 'task 0' },
        completions: [done(0, T + 1, true)],
        predictions: [],
        completed_at: '2026-11-28 08:29:57',
        has_cancelled_completions: 1,
      },
      {
        id: 1,
        data: { text: 'task 1' },
        completions: [done(1, T + 2)],
        predictions: [],
        completed_at: '2026-11-28 08:29:58',
        has_cancelled_completions: 0,
      },
      { id: 2, data: { text: 'task 2' }, completions: [done(2, T)], predictions: [], completed_at: '2026-11-28 08:29:56', has_cancelled_completions: 0 },
    ]);
    // Default page size is 10; trailing slash and unknown parameters are fine.
    const all = await request(t.app).get('/api/tasks/?rnd=5&polling=true');
    expect(ids(all.body)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(all.body[3]).toEqual({ id: 3, data: { text: 'task 3' } });
  });

  it('sorts by each of the six orders, ties by id ascending', async () => {
    const expected: Record<string, number[]> = {
      id: [0, 1, 2, 3, 4, 5, 6],
      '-id': [6, 5, 4, 3, 2, 1, 0],
      // 0.8 gave 2, 0, 5, 4, 1, 6, 3 (equal times in descending id).
      completed_at: [2, 0, 1, 4, 5, 3, 6],
      // 0.8 gave 1, 4, 5, 0, 2, 6, 3.
      '-completed_at': [1, 4, 5, 0, 2, 3, 6],
      has_cancelled_completions: [1, 4, 2, 5, 0, 3, 6],
      '-has_cancelled_completions': [5, 0, 1, 4, 2, 3, 6],
    };
    for (const [order, want] of Object.entries(expected)) {
      const res = await request(t.app).get(`/api/tasks?order=${encodeURIComponent(order)}&page_size=100`);
      expect(res.status, order).toBe(200);
      expect(ids(res.body), order).toEqual(want);
      // Pages are slices of the same order.
      const pages: number[] = [];
      for (let page = 1; page <= 4; page++) {
        const p = await request(t.app).get(`/api/tasks?order=${encodeURIComponent(order)}&page=${page}&page_size=2`);
        expect(p.status).toBe(200);
        pages.push(...ids(p.body));
      }
      expect(pages, `${order} paged`).toEqual(want);
    }
  });

  it('a page past the end is []', async () => {
    const res = await request(t.app).get('/api/tasks?page=3&page_size=5');
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
    const far = await request(t.app).get('/api/tasks?page=999999&page_size=999999');
    expect(far.body).toEqual([]);
  });

  it('fields reduces each task to those keys and leaves out missing ones', async () => {
    const res = await request(t.app).get('/api/tasks?fields=id&page_size=3');
    expect(res.body).toEqual([{ id: 0 }, { id: 1 }, { id: 2 }]);
    const two = await request(t.app).get('/api/tasks?fields=id,completed_at,nope&order=-id&page_size=4');
    expect(two.body).toEqual([{ id: 6 }, { id: 5, completed_at: '2026-11-28 08:29:58' }, { id: 4, completed_at: '2026-11-28 08:29:58' }, { id: 3 }]);
    // Names every object inherits are not fields of a task.
    const inherited = await request(t.app).get('/api/tasks?fields=id,constructor,toString,__proto__&page_size=1');
    expect(inherited.text).toBe('[{"id":0}]');
    const all = await request(t.app).get('/api/tasks?fields=id,all&page_size=1');
    expect(all.body).toEqual([
      { id: 0, data: { text: 'task 0' }, completions: [done(0, T + 1, true)], predictions: [], completed_at: '2026-11-28 08:29:57', has_cancelled_completions: 1 },
    ]);
  });

  it('422 for a bad page, page_size or order; nothing changes', async () => {
    const page = { detail: 'Incorrect page or page_size' };
    const order = { detail: 'Incorrect order' };
    await expectRejected(t, [
      { method: 'get', path: '/api/tasks?page=0', status: 422, expected: page },
      { method: 'get', path: '/api/tasks?page=x', status: 422, expected: page },
      { method: 'get', path: '/api/tasks?page=-1', status: 422, expected: page },
      { method: 'get', path: '/api/tasks?page=1.5', status: 422, expected: page },
      { method: 'get', path: '/api/tasks?page=', status: 422, expected: page },
      { method: 'get', path: '/api/tasks?page=1&page=2', status: 422, expected: page },
      { method: 'get', path: '/api/tasks?page_size=0', status: 422, expected: page },
      { method: 'get', path: '/api/tasks?page_size=abc', status: 422, expected: page },
      { method: 'get', path: '/api/tasks?page_size=99999999999999999999', status: 422, expected: page },
      { method: 'get', path: '/api/tasks?order=bogus', status: 422, expected: order },
      { method: 'get', path: '/api/tasks?order=-', status: 422, expected: order },
      { method: 'get', path: '/api/tasks?order=', status: 422, expected: order },
      { method: 'get', path: '/api/tasks?order=ID', status: 422, expected: order },
      { method: 'get', path: '/api/tasks?order=id&order=-id', status: 422, expected: order },
    ]);
  });
});

describe('completed tasks without a time', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  it('a completions file with no completions shows "undefined" and sorts after the timed ones', async () => {
    t = await makeTestApp(
      {},
      writeProject({
        tasks: [0, 1, 2, 3].map((id) => ({ id, data: { text: `task ${id}` } })),
        completions: { 1: [done(1, T)], 2: [], 3: [done(3, T + 5)] },
      }),
    );
    const list = await request(t.app).get('/api/tasks?fields=id,completed_at,has_cancelled_completions');
    expect(list.body).toEqual([
      { id: 0 },
      { id: 1, completed_at: '2026-11-28 08:29:56', has_cancelled_completions: 0 },
      { id: 2, completed_at: 'undefined', has_cancelled_completions: 0 },
      { id: 3, completed_at: '2026-11-28 08:30:01', has_cancelled_completions: 0 },
    ]);
    const order = async (o: string) => ids((await request(t.app).get(`/api/tasks?order=${o}`)).body);
    expect(await order('completed_at')).toEqual([1, 3, 2, 0]);
    expect(await order('-completed_at')).toEqual([3, 1, 2, 0]);
    expect(await order('has_cancelled_completions')).toEqual([3, 1, 2, 0]);
    expect(await order('-has_cancelled_completions')).toEqual([3, 1, 2, 0]);
    // Still completed: never handed out, listed in /api/completions.
    expect((await request(t.app).get('/api/completions')).body).toEqual({ ids: [1, 2, 3] });
    expect((await request(t.app).get('/api/project/next')).body).toEqual({ id: 0, data: { text: 'task 0' } });
  });
});

describe('DELETE /api/tasks', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp({}, orderProject);
  });
  afterEach(async () => {
    await t.close();
  });

  it('removes every task and completion; ids start again at 0', async () => {
    const res = await request(t.app).delete('/api/tasks/');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await request(t.app).get('/api/tasks')).body).toEqual([]);
    expect((await request(t.app).get('/api/completions')).body).toEqual({ ids: [] });
    const project = await request(t.app).get('/api/project');
    expect([project.body.task_count, project.body.completion_count]).toEqual([0, 0]);
    expect(await importTexts(t.app, ['again'])).toEqual([0]);
    // The new task 0 has no trace of the old one's completions.
    expect((await request(t.app).get('/api/tasks/0')).body).toEqual({ id: 0, data: { text: 'again' } });
    const c = await request(t.app).post('/api/tasks/0/completions').send(choiceCompletion('Neutral'));
    expect(c.body).toEqual({ id: 1 });
    await t.project.store.close();
    const after = await saved(t);
    expect(after.tasks).toEqual({ '0': { id: 0, data: { text: 'again' } } });
    expect(Object.keys(after.completions)).toEqual(['0']);
  });

  it('on an empty project is a 204 too', async () => {
    await request(t.app).delete('/api/tasks').expect(204);
    await request(t.app).delete('/api/tasks').expect(204);
    await t.project.store.close();
    expect(await saved(t)).toMatchObject({ tasks: {}, completions: {} });
  });
});

describe('/api/tasks/<id>', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp({}, orderProject);
  });
  afterEach(async () => {
    await t.close();
  });

  it('GET gives the task: the completions file plus predictions, or the tasks.json entry', async () => {
    const completed = await request(t.app).get('/api/tasks/1/');
    expect(completed.status).toBe(200);
    expect(completed.type).toBe('application/json');
    expect(completed.body).toEqual({ id: 1, data: { text: 'task 1' }, completions: [done(1, T + 2)], predictions: [] });
    const open = await request(t.app).get('/api/tasks/3');
    expect(open.body).toEqual({ id: 3, data: { text: 'task 3' } });
    // ?pretty indents (0.8 answered only with it; the LSF SDK calls without).
    const pretty = await request(t.app).get('/api/tasks/3?pretty=1');
    expect(pretty.status).toBe(200);
    expect(pretty.text).toBe('{\n  "id": 3,\n  "data": {\n    "text": "task 3"\n  }\n}\n');
  });

  it('bad ids are 400, unknown ones 404, for every method; nothing changes', async () => {
    const badId = (raw: string, what = 'task id') => ({ status: 400, detail: `${what} must be a non-negative integer, got ${JSON.stringify(raw)}` });
    const rows = [];
    for (const raw of ['abc', '12abc', '-1', '1.5', '0x10', '1e3', '99999999999999999999']) {
      rows.push(
        { method: 'get' as const, path: `/api/tasks/${raw}`, status: 400, expected: badId(raw) },
        { method: 'delete' as const, path: `/api/tasks/${raw}`, status: 400, expected: badId(raw) },
        { method: 'patch' as const, path: `/api/tasks/${raw}`, body: { data: { text: 'x' } }, status: 400, expected: badId(raw) },
        { method: 'post' as const, path: `/api/tasks/${raw}`, body: { data: { text: 'x' } }, status: 400, expected: badId(raw) },
      );
    }
    const missing = { status: 404, detail: 'Task 999 not found' };
    rows.push(
      { method: 'get' as const, path: '/api/tasks/999', status: 404, expected: missing },
      { method: 'get' as const, path: '/api/tasks/999?pretty=1', status: 404, expected: missing },
      { method: 'delete' as const, path: '/api/tasks/999', status: 404, expected: missing },
      { method: 'patch' as const, path: '/api/tasks/999', body: { data: { text: 'x' } }, status: 404, expected: missing },
    );
    await expectRejected(t, rows);
  });

  it('DELETE removes the task and its completions file', async () => {
    const res = await request(t.app).delete('/api/tasks/4');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await request(t.app).get('/api/tasks/4')).status).toBe(404);
    expect((await request(t.app).get('/api/completions')).body).toEqual({ ids: [0, 1, 2, 5] });
    await expectRejected(t, [{ name: 'second DELETE', method: 'delete', path: '/api/tasks/4', status: 404, expected: { status: 404, detail: 'Task 4 not found' } }]);
    await t.project.store.close();
    const after = await saved(t);
    expect(Object.keys(after.tasks)).toEqual(['0', '1', '2', '3', '5', '6']);
    expect(Object.keys(after.completions).sort()).toEqual(['0', '1', '2', '5']);
  });

  it('PATCH changes data and/or predictions, checked against the config', async () => {
    const preds = [{ result: [choiceResult('Negative')], score: 0.4 }];
    const res = await request(t.app).patch('/api/tasks/3').send({ predictions: preds });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: 3, data: { text: 'task 3' }, predictions: preds });
    const data = await request(t.app).patch('/api/tasks/3/').send({ data: { text: 'new text', extra: 1 } });
    expect(data.body).toEqual({ id: 3, data: { text: 'new text', extra: 1 }, predictions: preds });
    // A completed task: the completions file's copy of the data follows.
    const completed = await request(t.app).patch('/api/tasks/1').send({ data: { text: 'edited' } });
    expect(completed.body).toEqual({ id: 1, data: { text: 'edited' }, completions: [done(1, T + 2)], predictions: [] });
    expect((await request(t.app).get('/api/tasks/1')).body).toEqual(completed.body);
    await t.project.store.close();
    const { tasks, completions } = await saved(t);
    expect(tasks['3']).toEqual({ id: 3, data: { text: 'new text', extra: 1 }, predictions: preds });
    expect(tasks['1']).toEqual({ id: 1, data: { text: 'edited' } });
    expect(completions['1']).toEqual({ id: 1, data: { text: 'edited' }, completions: [done(1, T + 2)] });
  });

  it('PATCH and POST reject bad bodies without changing anything', async () => {
    const rows = [];
    for (const method of ['patch', 'post'] as const) {
      const path = '/api/tasks/3';
      rows.push(
        { method, path, body: { data: { txt: 'x' } }, status: 400, expected: { status: 400, detail: '"text" key is expected in task data' } },
        {
          method,
          path,
          body: { data: { text: ['x'] } },
          status: 400,
          expected: { status: 400, detail: 'data["text"]=["x"] is of type "array", but types "string, number, boolean" are expected' },
        },
        { method, path, body: { data: 'x' }, status: 400, expected: { status: 400, detail: '"data" must be a JSON object' } },
        { method, path, body: { data: [1] }, status: 400, expected: { status: 400, detail: '"data" must be a JSON object' } },
        {
          method,
          path,
          body: { data: { text: 'x' }, predictions: {} },
          status: 400,
          expected: { status: 400, detail: '"predictions" must be a list of objects with a "result" list' },
        },
        {
          method,
          path,
          body: { data: { text: 'x' }, predictions: [{ score: 1 }] },
          status: 400,
          expected: { status: 400, detail: '"predictions" must be a list of objects with a "result" list' },
        },
        {
          method,
          path,
          body: { data: { text: 'x' }, meta: {} },
          status: 400,
          expected: { status: 400, detail: 'Unknown task fields ["meta"]: only "data" and "predictions" can be set' },
        },
        {
          method,
          path,
          body: { data: { text: 'x' }, completions: [] },
          status: 400,
          expected: { status: 400, detail: 'Unknown task fields ["completions"]: only "data" and "predictions" can be set' },
        },
        { method, path, body: [], status: 400, expected: { status: 400, detail: 'Body must be a JSON object with "data" and/or "predictions"' } },
        { method, path, status: 400, expected: { status: 400, detail: 'Body must be a JSON object with "data" and/or "predictions"' } },
        { method, path, body: '{"data": {', status: 400, expected: { status: 400, detail: expect.stringMatching(/^Malformed JSON body: /) } },
      );
    }
    rows.push({ method: 'post' as const, path: '/api/tasks/3', body: { predictions: [] }, status: 400, expected: { status: 400, detail: '"data" is required' } });
    rows.push({ method: 'post' as const, path: '/api/tasks/50', body: {}, status: 400, expected: { status: 400, detail: '"data" is required' } });
    await expectRejected(t, rows);
  });

  it('POST creates task <id> (201) or replaces its data and predictions (200)', async () => {
    const created = await request(t.app).post('/api/tasks/20').send({ data: { text: 'twenty' }, predictions: [{ result: [], score: 0.1 }] });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: 20, data: { text: 'twenty' }, predictions: [{ result: [], score: 0.1 }] });
    expect((await request(t.app).get('/api/tasks/20')).body).toEqual(created.body);
    const replaced = await request(t.app).post('/api/tasks/20/').send({ data: { text: 'twenty again' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({ id: 20, data: { text: 'twenty again' } });
    // Replacing a completed task keeps its completions; its data follows.
    const completed = await request(t.app).post('/api/tasks/2').send({ data: { text: 'two' } });
    expect(completed.status).toBe(200);
    expect(completed.body).toEqual({ id: 2, data: { text: 'two' }, completions: [done(2, T)], predictions: [] });
    // Imports continue after the highest id.
    expect(await importTexts(t.app, ['next'])).toEqual([21]);
    const project = await request(t.app).get('/api/project');
    expect(project.body.task_count).toBe(9);
  });

  it('POST refuses a task id whose completion ids would not be exact integers', async () => {
    // Completion ids are task*1000 + n; past 2^53 two completions would share an id.
    await expectRejected(t, [
      {
        method: 'post',
        path: '/api/tasks/999999999999999',
        body: { data: { text: 'x' } },
        status: 400,
        expected: { status: 400, detail: 'task id must be at most 9007199254739' },
      },
    ]);
    const ok = await request(t.app).post('/api/tasks/9007199254739').send({ data: { text: 'x' } });
    expect(ok.status).toBe(201);
    const c1 = await request(t.app).post('/api/tasks/9007199254739/completions').send({ result: [] });
    const c2 = await request(t.app).post('/api/tasks/9007199254739/completions').send({ result: [] });
    expect(c1.body).toEqual({ id: 9007199254739001 });
    expect(c2.body).toEqual({ id: 9007199254739002 });
  });
});

// POST /api/project/import with a JSON body: a list or one task, bare data objects and
// {"data", "completions", "predictions"}; the answer of api.md §5.9 with new_task_ids;
// validation errors as 0.8's list of messages, all-or-nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { expectRejected, choiceResult, saved } from './support.ts';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** One message of 0.8's import error list: "Error at item <i>: <reason> ... :: <item>". */
const itemError = (index: number, reason: string) => expect.stringMatching(new RegExp(`^Error\\s+at item ${index}: ${escape(reason)}.* :: `));

function withoutDuration(body: Record<string, unknown>) {
  expect(typeof body.duration).toBe('number');
  expect(body.duration as number).toBeGreaterThanOrEqual(0);
  const { duration: _d, ...rest } = body;
  return rest;
}

describe('POST /api/project/import (JSON body)', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('imports bare and wrapped tasks with consecutive ids from 0', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await request(t.app)
      .post('/api/project/import')
      .send([
        { text: 'The café was wonderful' },
        { data: { text: 'slow service' }, predictions: [{ result: [choiceResult('Negative', 'p1')], score: 0.82, model_version: 'v1' }] },
        { data: { text: 'average' }, completions: [{ result: [choiceResult('Neutral', 'i1')], lead_time: 4.2, id: 555, created_at: 1 }] },
        { data: { text: 'undecided' }, meta: { source: 'survey-17' }, id: 77 },
      ]);
    const after = Math.floor(Date.now() / 1000);
    expect(res.status).toBe(201);
    expect(withoutDuration(res.body)).toEqual({
      task_count: 4,
      completion_count: 1,
      prediction_count: 1,
      formats: { request: 4 },
      new_task_ids: [0, 1, 2, 3],
    });
    const list = await request(t.app).get('/api/tasks');
    expect(list.status).toBe(200);
    const createdAt = list.body[2].completions[0].created_at as number;
    expect(createdAt).toBeGreaterThanOrEqual(before);
    expect(createdAt).toBeLessThanOrEqual(after);
    expect(list.body).toEqual([
      { id: 0, data: { text: 'The café was wonderful' } },
      { id: 1, data: { text: 'slow service' }, predictions: [{ result: [choiceResult('Negative', 'p1')], score: 0.82, model_version: 'v1' }] },
      {
        id: 2,
        data: { text: 'average' },
        // Saved as if submitted: a new id (task*1000 + 1) and the import time.
        completions: [{ id: 2001, created_at: createdAt, lead_time: 4.2, result: [choiceResult('Neutral', 'i1')] }],
        predictions: [],
        completed_at: list.body[2].completed_at,
        has_cancelled_completions: 0,
      },
      // meta and a supplied id are dropped.
      { id: 3, data: { text: 'undecided' } },
    ]);
    const project = await request(t.app).get('/api/project');
    expect(project.body.task_count).toBe(4);
    expect(project.body.completion_count).toBe(1);

    // On disk after a checkpoint: tasks.json without the imported completions (0.8 kept
    // a copy there), completions/2.json in 0.8's layout.
    await t.project.store.close();
    const stored = await saved(t);
    expect(stored.tasks).toEqual({
      '0': { id: 0, data: { text: 'The café was wonderful' } },
      '1': { id: 1, data: { text: 'slow service' }, predictions: [{ result: [choiceResult('Negative', 'p1')], score: 0.82, model_version: 'v1' }] },
      '2': { id: 2, data: { text: 'average' } },
      '3': { id: 3, data: { text: 'undecided' } },
    });
    expect(Object.keys(stored.completions)).toEqual(['2']);
    if (t.engine !== 'folder') return;
    const file = await readFile(join(t.dir, 'completions/2.json'), 'utf8');
    expect(file).toBe(
      JSON.stringify(
        {
          completions: [
            {
              created_at: createdAt,
              id: 2001,
              lead_time: 4.2,
              result: [{ from_name: 'sentiment', id: 'i1', to_name: 'text', type: 'choices', value: { choices: ['Neutral'] } }],
            },
          ],
          data: { text: 'average' },
          id: 2,
        },
        null,
        2,
      ),
    );
  });

  it('imports one task given as an object, and continues after the highest id', async () => {
    const first = await request(t.app).post('/api/project/import').send([{ text: 'a' }, { text: 'b' }]);
    expect(first.body.new_task_ids).toEqual([0, 1]);
    const one = await request(t.app).post('/api/project/import/').send({ data: { text: 'c' } });
    expect(one.status).toBe(201);
    expect(withoutDuration(one.body)).toEqual({ task_count: 1, completion_count: 0, prediction_count: 0, formats: { request: 1 }, new_task_ids: [2] });
    const bare = await request(t.app).post('/api/project/import').set('Content-Type', 'application/json; charset=utf-8').send('{"text": "d"}');
    expect(bare.status).toBe(201);
    expect(bare.body.new_task_ids).toEqual([3]);
    await request(t.app).delete('/api/tasks/3').expect(204);
    const again = await request(t.app).post('/api/project/import').send([{ text: 'e' }]);
    expect(again.body.new_task_ids).toEqual([3]);
    const list = await request(t.app).get('/api/tasks?fields=id,data');
    expect(list.body).toEqual([
      { id: 0, data: { text: 'a' } },
      { id: 1, data: { text: 'b' } },
      { id: 2, data: { text: 'c' } },
      { id: 3, data: { text: 'e' } },
    ]);
  });

  it('imported skipped completions stay skipped and count as completed', async () => {
    const res = await request(t.app)
      .post('/api/project/import')
      .send([{ data: { text: 'x' }, completions: [{ result: [], was_cancelled: true }, { result: [choiceResult('Positive')], skipped: false }] }]);
    expect(res.status).toBe(201);
    expect(res.body.completion_count).toBe(2);
    const task = await request(t.app).get('/api/tasks/0');
    const at = task.body.completions[0].created_at;
    expect(task.body).toEqual({
      id: 0,
      data: { text: 'x' },
      completions: [
        { id: 1, created_at: at, result: [], was_cancelled: true },
        { id: 2, created_at: at, result: [choiceResult('Positive')] },
      ],
      predictions: [],
    });
    expect((await request(t.app).get('/api/completions')).body).toEqual({ ids: [0] });
  });

  it('rejects bad items with one message per failing item and stores nothing', async () => {
    await request(t.app).post('/api/project/import').send([{ text: 'existing' }]).expect(201);
    await expectRejected(t, [
      {
        name: 'per-item errors',
        method: 'post',
        path: '/api/project/import',
        body: [
          5,
          { data: 'str' },
          { data: { text: 'a' }, completions: {} },
          { data: { text: 'a' }, completions: [{}] },
          { data: { text: 'a' }, completions: [{ result: {} }] },
          { data: { text: 'a' }, predictions: {} },
          { data: { text: 'a' }, predictions: [{}] },
          { data: { text: 'a' }, predictions: [{ result: 'x' }] },
          { data: { text: 'a' }, meta: 'x' },
          { data: { text: null } },
          { text: 'fine' },
          { foo: 'bar' },
          { data: [1, 2] },
        ],
        status: 400,
        // The wording belongs to the importers; index and reason are checked here.
        expected: [
          itemError(0, 'Task root must be dict'),
          itemError(1, 'Task[data] must be'),
          itemError(2, 'Task[completions] must be'),
          itemError(3, 'Completion must have "result" fields'),
          itemError(4, '"result" field in completion must be list'),
          itemError(5, 'Task[predictions] must be'),
          itemError(6, 'Prediction must have "result" fields'),
          itemError(7, '"result" field in prediction must be list'),
          itemError(8, 'Task[meta] must be'),
          itemError(9, 'data["text"]'),
          itemError(11, '"text" key is expected in task data'),
          itemError(12, 'Task[data] must be'),
        ],
      },
      {
        name: 'one bad item among good ones',
        method: 'post',
        path: '/api/project/import',
        body: [{ text: 'a' }, { txt: 'b' }, { text: 'c' }],
        status: 400,
        expected: [itemError(1, '"text" key is expected in task data')],
      },
      { name: 'empty list', method: 'post', path: '/api/project/import', body: [], status: 400, expected: ['load_tasks: No tasks added'] },
      { name: 'null', method: 'post', path: '/api/project/import', body: 'null', status: 400, expected: ['load_tasks: No tasks added'] },
      {
        name: 'empty object',
        method: 'post',
        path: '/api/project/import',
        body: {},
        status: 400,
        expected: [itemError(0, '"text" key is expected in task data')],
      },
      { name: 'a number', method: 'post', path: '/api/project/import', body: '5', status: 400, expected: ['load_tasks: No data found in DATA or in FILES'] },
      { name: 'a string', method: 'post', path: '/api/project/import', body: '"x"', status: 400, expected: ['load_tasks: No data found in DATA or in FILES'] },
      { name: 'malformed JSON', method: 'post', path: '/api/project/import', body: '[{"text":', status: 400, expected: { status: 400, detail: 'Malformed JSON body: Unexpected end of JSON input' } },
      { name: 'no body', method: 'post', path: '/api/project/import', status: 400, expected: ['load_tasks: No data found in DATA or in FILES'] },
      {
        name: 'JSON text sent as text/plain',
        method: 'post',
        path: '/api/project/import',
        body: '[{"text":"x"}]',
        type: 'text/plain',
        status: 400,
        expected: ['load_tasks: No data found in DATA or in FILES'],
      },
    ]);
  });
});

describe('import limits', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  it('refuses more tasks than MAX_TASKS_PER_IMPORT and stores none', async () => {
    t = await makeTestApp({ MAX_TASKS_PER_IMPORT: '3' });
    await expectRejected(t, [
      {
        method: 'post',
        path: '/api/project/import',
        body: [{ text: '1' }, { text: '2' }, { text: '3' }, { text: '4' }],
        status: 413,
        expected: ['Maximum task number is 3, current task number is 4'],
      },
    ]);
    const ok = await request(t.app).post('/api/project/import').send([{ text: '1' }, { text: '2' }, { text: '3' }]);
    expect(ok.status).toBe(201);
  });

  it('refuses a body over MAX_BODY_SIZE with 413', async () => {
    t = await makeTestApp({ MAX_BODY_SIZE: '1kb' });
    await expectRejected(t, [
      {
        method: 'post',
        path: '/api/project/import',
        body: [{ text: 'x'.repeat(2000) }],
        status: 413,
        expected: { status: 413, detail: 'Request body is larger than the limit of 1024 bytes' },
      },
    ]);
  });
});

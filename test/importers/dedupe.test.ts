// POST /api/project/import?dedupe=1 (not in 0.8): tasks whose data equals a stored task's,
// or an earlier task's in the same request, are skipped and counted in skipped_count.
// The index follows the tasks as they change through the other routes.
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { CONFIGS, sample, setConfig, storedTasks, uploadedFiles, withoutDuration } from './support.ts';

const importJson = (t: TestApp, body: unknown, dedupe = true) => request(t.app).post(`/api/project/import${dedupe ? '?dedupe=1' : ''}`).send(body as object);

describe('import with dedupe=1', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
    await importJson(t, [{ text: 'a' }, { text: 'b', n: { x: 1, y: [1, 2] } }], false).expect(201);
  });
  afterEach(async () => {
    await t.close();
  });

  it.each([
    {
      name: 'skips stored data and repeats within the request; key order does not matter',
      items: [{ text: 'a' }, { text: 'c' }, { data: { text: 'c' } }, { n: { y: [1, 2], x: 1 }, text: 'b' }, { text: 'd' }],
      created: [{ text: 'c' }, { text: 'd' }],
      skipped: 3,
    },
    {
      name: 'compares data only: other completions or predictions do not make a task new',
      items: [{ data: { text: 'a' }, predictions: [{ result: [] }] }],
      created: [],
      skipped: 1,
    },
    {
      name: 'different values, nesting or types are different data',
      items: [{ text: 'A' }, { text: 'b', n: { x: 1, y: [2, 1] } }, { text: 'b', n: { x: '1', y: [1, 2] } }, { text: 'a', extra: null }],
      created: [{ text: 'A' }, { text: 'b', n: { x: 1, y: [2, 1] } }, { text: 'b', n: { x: '1', y: [1, 2] } }, { text: 'a', extra: null }],
      skipped: 0,
    },
  ])('$name', async ({ items, created, skipped }) => {
    const res = await importJson(t, items);
    expect(res.status, res.text).toBe(201);
    expect(withoutDuration(res.body)).toEqual({
      task_count: created.length,
      completion_count: 0,
      prediction_count: 0,
      formats: { request: items.length },
      new_task_ids: created.map((_, i) => i + 2),
      skipped_count: skipped,
    });
    expect((await storedTasks(t)).map((x) => x.data)).toEqual([{ text: 'a' }, { text: 'b', n: { x: 1, y: [1, 2] } }, ...created]);
  });

  it('without dedupe nothing is skipped and the answer has no skipped_count (0.8 shape)', async () => {
    const res = await importJson(t, [{ text: 'a' }], false);
    expect(withoutDuration(res.body)).toEqual({ task_count: 1, completion_count: 0, prediction_count: 0, formats: { request: 1 }, new_task_ids: [2] });
  });

  it('follows deletes, edits and tasks created by id', async () => {
    await request(t.app).delete('/api/tasks/0').expect(204);
    await request(t.app).patch('/api/tasks/1').send({ data: { text: 'b2' } }).expect(200);
    await request(t.app).post('/api/tasks/50').send({ data: { text: 'put' } }).expect((r) => expect(r.status).toBeLessThan(300));
    const res = await importJson(t, [{ text: 'a' }, { text: 'b', n: { x: 1, y: [1, 2] } }, { text: 'b2' }, { text: 'put' }]);
    expect(res.status, res.text).toBe(201);
    expect(res.body.skipped_count).toBe(2);
    expect(res.body.new_task_ids).toEqual([51, 52]);
    expect((await storedTasks(t)).map((x) => x.data)).toEqual([{ text: 'b2' }, { text: 'put' }, { text: 'a' }, { text: 'b', n: { x: 1, y: [1, 2] } }]);
    // After deleting everything, nothing is a duplicate.
    await request(t.app).delete('/api/tasks').expect((r) => expect(r.status).toBeLessThan(300));
    const again = await importJson(t, [{ text: 'a' }]);
    expect(again.body.skipped_count).toBe(0);
    expect(again.body.task_count).toBe(1);
  });

  it('works for files: the same image twice creates one task; an all-duplicate import stores nothing', async () => {
    await request(t.app).delete('/api/tasks').expect((r) => expect(r.status).toBeLessThan(300));
    await setConfig(t, CONFIGS.image);
    const kittens = await sample('kittens.jpg');
    const first = await request(t.app).post('/api/project/import?dedupe=1').attach('file', kittens, 'k.jpg').attach('file', kittens, 'k.jpg');
    expect(first.status, first.text).toBe(201);
    expect(withoutDuration(first.body)).toEqual({ task_count: 1, completion_count: 0, prediction_count: 0, formats: { '.jpg': 2 }, new_task_ids: [0], skipped_count: 1 });
    const countBefore = (await t.project.store.counts()).tasks;
    const second = await request(t.app).post('/api/project/import?dedupe=1').attach('file', kittens, 'k.jpg');
    expect(withoutDuration(second.body)).toEqual({ task_count: 0, completion_count: 0, prediction_count: 0, formats: { '.jpg': 1 }, new_task_ids: [], skipped_count: 1 });
    expect((await t.project.store.counts()).tasks).toBe(countBefore);
    expect((await storedTasks(t))).toHaveLength(1);
    expect(await uploadedFiles(t)).toHaveLength(1);
  });

  it('two requests at once with the same new data create it once', async () => {
    const body = Array.from({ length: 50 }, (_, i) => ({ text: `same ${i}` }));
    const [a, b] = await Promise.all([importJson(t, body), request(t.app).post('/api/project/import?dedupe=1').attach('file', Buffer.from(JSON.stringify(body)), 'same.json')]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.task_count + b.body.task_count).toBe(50);
    expect(a.body.skipped_count + b.body.skipped_count).toBe(50);
    expect((await storedTasks(t))).toHaveLength(52);
  });

  it('works for CSV rows', async () => {
    const res = await request(t.app).post('/api/project/import?dedupe=true').attach('file', Buffer.from('text\na\nz\nz\n'), 'rows.csv');
    expect(res.body.new_task_ids).toEqual([2]);
    expect(res.body.skipped_count).toBe(2);
    expect((await storedTasks(t)).at(-1)).toEqual({ id: 2, data: { text: 'z' } });
  });
});

// The folders Label Studio 0.8.2 wrote (test/fixtures/ls082-projects) open as they are,
// give the answers their README records, and after our edits are still in the 0.8 layout.
// 0.8 wrote floats such as 5.0, which JavaScript reads as 5: everything is compared as
// parsed JSON, never as bytes of 0.8's files.
process.env.TZ = 'UTC'; // completed_at is local time; 0.8.2 ran with TZ=UTC.

import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestApp } from '../helpers/app.ts';
import { appOnFixture, choiceCompletion, choiceResult, FIXTURES, folderFiles, type Ls082Fixture, saved } from './support.ts';
import { exportJson, unzip } from './exportSupport.ts';

const expected = async (folder: Ls082Fixture, file: string) => JSON.parse(await readFile(join(FIXTURES, 'expected', folder, file), 'utf8')) as unknown;
const byId = (records: { id: number }[]) => [...records].sort((a, b) => a.id - b.id);

/** completions/<id>.json as 0.8 writes it: sorted keys, 2-space indent, \uXXXX, no final newline. */
function in08CompletionLayout(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    return v;
  };
  return JSON.stringify(sort(value), null, 2).replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

const FOLDERS: { name: Ls082Fixture; tasks: number; completed: number; ids: number[]; dataTypes: Record<string, string> }[] = [
  { name: 'text-sentiment-before-ml', tasks: 6, completed: 4, ids: [0, 2, 3, 4], dataTypes: { text: 'Text' } },
  { name: 'text-sentiment', tasks: 6, completed: 4, ids: [0, 2, 3, 4], dataTypes: { text: 'Text' } },
  { name: 'image-multisession', tasks: 1, completed: 1, ids: [0], dataTypes: { image: 'Image' } },
];

describe('folders written by Label Studio 0.8.2', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  for (const folder of FOLDERS) {
    it(`${folder.name}: project, completions, task list and exports as 0.8.2 answered`, async () => {
      t = await appOnFixture(folder.name, { PROJECT: 'proj' });
      const project = await request(t.app).get('/api/project');
      expect(project.status).toBe(200);
      expect(project.body.project_name).toBe('proj');
      expect(project.body.task_count).toBe(folder.tasks);
      expect(project.body.completion_count).toBe(folder.completed);
      expect(project.body.data_types).toEqual(folder.dataTypes);
      const stored = JSON.parse(await readFile(join(FIXTURES, folder.name, 'config.json'), 'utf8'));
      expect(project.body.config).toEqual(stored);

      const completions = await request(t.app).get('/api/completions');
      expect(completions.body).toEqual({ ids: folder.ids });

      const tasks = await request(t.app).get('/api/tasks?page=1&page_size=10');
      expect(tasks.status).toBe(200);
      expect(tasks.body).toEqual(await expected(folder.name, 'tasks-page1.json'));

      const json = await exportJson(t.app, 'JSON');
      expect(byId(json as { id: number }[])).toEqual(byId((await expected(folder.name, 'export-JSON.json')) as { id: number }[]));
      const min = await exportJson(t.app, 'JSON_MIN');
      expect(byId(min as { id: number }[])).toEqual(byId((await expected(folder.name, 'export-JSON_MIN.json')) as { id: number }[]));
      // Reading changed nothing in the folder.
      const files = await folderFiles(t.dir);
      const original = await folderFiles(join(FIXTURES, folder.name));
      for (const [name, content] of Object.entries(original)) expect(files[name], name).toBe(content);
    });
  }

  it('text-sentiment-before-ml: next is task 1 with its imported prediction', async () => {
    t = await appOnFixture('text-sentiment-before-ml');
    const res = await request(t.app).get('/api/project/next');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(await expected('text-sentiment-before-ml', 'next.json'));
  });

  it('text-sentiment: next is task 1 with its stored prediction (the ML backend is not called)', async () => {
    t = await appOnFixture('text-sentiment');
    const res = await request(t.app).get('/api/project/next');
    expect(res.status).toBe(200);
    const page = (await expected('text-sentiment', 'tasks-page1.json')) as { id: number }[];
    expect(res.body).toEqual(page.find((task) => task.id === 1));
  });

  it('image-multisession: GET /api/tasks/0 with and without pretty', async () => {
    t = await appOnFixture('image-multisession');
    const want = await expected('image-multisession', 'task-0.json');
    const pretty = await request(t.app).get('/api/tasks/0?pretty=1');
    expect(pretty.status).toBe(200);
    expect(JSON.parse(pretty.text)).toEqual({ ...(want as object), completions: expect.any(Array), predictions: [] });
    const plain = await request(t.app).get('/api/tasks/0/');
    expect(plain.body).toEqual(JSON.parse(pretty.text));
  });

  it('a task whose completions file is deleted does not show 0.8\'s stale copy from tasks.json', async () => {
    // 0.8 kept imported completions inside tasks.json too (task 2); they resurfaced once
    // the completions file was gone.
    t = await appOnFixture('text-sentiment-before-ml');
    await request(t.app).delete('/api/tasks/2/completions').expect(204);
    const task = await request(t.app).get('/api/tasks/2');
    expect(task.body).toEqual({ id: 2, data: { text: 'Average place, nothing special.' } });
    const list = await request(t.app).get('/api/tasks?page=1&page_size=3');
    expect(list.body[2]).toEqual({ id: 2, data: { text: 'Average place, nothing special.' } });
    expect((await request(t.app).get('/api/project/next')).body.id).toBe(1);
    await request(t.app).post('/api/tasks/1/completions').send(choiceCompletion('Negative')).expect(201);
    expect((await request(t.app).get('/api/project/next')).body).toEqual({ id: 2, data: { text: 'Average place, nothing special.' } });
  });

  it('changing the data of task 4 drops the predictions key 0.8 left in completions/4.json', async () => {
    t = await appOnFixture('text-sentiment-before-ml');
    const patched = await request(t.app).patch('/api/tasks/4').send({ data: { text: 'edited' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({
      id: 4,
      data: { text: 'edited' },
      completions: [{ created_at: 1795854600, id: 4002, lead_time: 5, result: [choiceResult('Negative', 'b4')] }],
      predictions: [],
    });
    const replaced = await request(t.app).post('/api/tasks/0').send({ data: { text: 'replaced' } });
    expect(replaced.status).toBe(200);
    await t.project.store.close();
    const { completions } = await saved(t);
    for (const id of [0, 4]) expect(Object.keys(completions[id] as object), `${id}.json`).toEqual(['completions', 'data', 'id']);
    expect((completions[4] as { data: unknown }).data).toEqual({ text: 'edited' });
    if (t.engine !== 'folder') return;
    for (const id of [0, 4]) {
      const text = await readFile(join(t.dir, `completions/${id}.json`), 'utf8');
      expect(text).toBe(in08CompletionLayout(JSON.parse(text)));
    }
  });

  for (const name of ['text-sentiment-before-ml', 'text-sentiment'] as const) {
    it(`${name}: after completion POST/DELETE and an import the folder is still in 0.8's layout`, async () => {
      t = await appOnFixture(name);
      // Task 4 holds 4002 (0.8 deleted 4001): 0.8 would give 4002 again; we give 4003.
      const post = await request(t.app).post('/api/tasks/4/completions').send(choiceCompletion('Positive', 3.25, 'n1'));
      expect(post.body).toEqual({ id: 4003 });
      await request(t.app).delete('/api/tasks/0/completions/1').expect(204);
      const first = await request(t.app).post('/api/tasks/5/completions').send(choiceCompletion('Neutral', 1, 'n2'));
      expect(first.body).toEqual({ id: 5001 });
      await request(t.app).patch('/api/tasks/3/completions/3001').send({ lead_time: 7 }).expect(201);
      const imported = await request(t.app)
        .post('/api/project/import')
        .send([{ text: 'Crème brûlée était parfaite ☃' }, { data: { text: 'late' }, completions: [{ result: [choiceResult('Positive', 'c')], lead_time: 1 }] }]);
      expect(imported.status).toBe(201);
      expect(imported.body.new_task_ids).toEqual([6, 7]);
      const list = (await request(t.app).get('/api/tasks?page_size=100')).body as Record<string, unknown>[];

      await t.project.store.close(); // checkpoints

      // tasks.json: a JSON object keyed by id, the values the tasks (PostgreSQL: the same tasks).
      const stored = await saved(t);
      const tasks = stored.tasks as Record<string, Record<string, unknown>>;
      expect(Object.keys(tasks)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
      const original = JSON.parse(await readFile(join(FIXTURES, name, 'tasks.json'), 'utf8')) as Record<string, unknown>;
      for (const id of ['0', '1', '2', '3', '4', '5']) expect(tasks[id], id).toEqual(original[id]);
      expect(tasks['6']).toEqual({ id: 6, data: { text: 'Crème brûlée était parfaite ☃' } });
      expect(tasks['7']).toEqual({ id: 7, data: { text: 'late' } });

      // completions/: one <id>.json a completed task, in 0.8's layout.
      expect(Object.keys(stored.completions).sort()).toEqual(['0', '2', '3', '4', '5', '7']);
      const c4 = stored.completions[4] as { completions: { id: number }[] };
      expect(c4.completions.map((c: { id: number }) => c.id)).toEqual([4002, 4003]);
      expect(c4.completions[0]).toEqual({ created_at: 1795854600, id: 4002, lead_time: 5, result: [choiceResult('Negative', 'b4')] });
      expect(stored.completions[0]).toEqual({ completions: [], data: { text: "The café was wonderful, I'd go again." }, id: 0 });
      expect((stored.completions[3] as { completions: unknown }).completions).toEqual([{ created_at: 1795854598, id: 3001, lead_time: 7, result: [], was_cancelled: true }]);
      expect(stored.settings).toEqual(JSON.parse(await readFile(join(FIXTURES, name, 'config.json'), 'utf8')));
      expect(stored.labelConfig).toBe(await readFile(join(FIXTURES, name, 'config.xml'), 'utf8'));
      if (t.engine !== 'folder') return;
      const dir = join(t.dir, 'completions');
      expect((await readdir(dir)).sort()).toEqual(['0.json', '2.json', '3.json', '4.json', '5.json', '7.json']);
      for (const id of [0, 3, 4, 5, 7]) {
        const text = await readFile(join(dir, `${id}.json`), 'utf8');
        const parsed = JSON.parse(text) as Record<string, unknown>;
        expect(text, `${id}.json layout`).toBe(in08CompletionLayout(parsed));
        expect(Object.keys(parsed), `${id}.json keys`).toEqual(['completions', 'data', 'id']); // no "predictions" from us
        expect(parsed.id).toBe(id);
        // What the API showed is what is on disk.
        const shown = list.find((task) => task.id === id)!;
        expect(parsed.completions, `${id}.json completions`).toEqual(shown.completions);
        expect(parsed.data).toEqual(shown.data);
      }
      // Untouched: 2.json is 0.8's file byte for byte.
      expect(await readFile(join(dir, '2.json'), 'utf8')).toBe(await readFile(join(FIXTURES, name, 'completions/2.json'), 'utf8'));
      // config.json and config.xml keep their content.
      expect(JSON.parse(await readFile(join(t.dir, 'config.json'), 'utf8'))).toEqual(JSON.parse(await readFile(join(FIXTURES, name, 'config.json'), 'utf8')));
      expect(await readFile(join(t.dir, 'config.xml'), 'utf8')).toBe(await readFile(join(FIXTURES, name, 'config.xml'), 'utf8'));
    });
  }

  it('the folder reopens after our edits with the same answers', async () => {
    t = await appOnFixture('image-multisession');
    await request(t.app)
      .post('/api/tasks/0/completions')
      .send({ lead_time: 2, result: [{ from_name: 'label', to_name: 'image', type: 'rectanglelabels', original_width: 64, original_height: 48, value: { x: 1, y: 2, width: 3, height: 4, rotation: 0, rectanglelabels: ['Airplane'] } }] })
      .expect(201);
    const before = (await request(t.app).get('/api/tasks')).body;
    await t.reopen();
    const app = t.app;
    expect((await request(app).get('/api/tasks')).body).toEqual(before);
    expect(before[0].completions.map((c: { id: number }) => c.id)).toEqual([1, 2]);
    const zip = await unzip(app, '/api/project/export?format=JSON_MIN&zip=1');
    expect(Object.keys(zip)).toEqual(['result.json']);
    const min = JSON.parse(zip['result.json']!.toString('utf8'));
    // The newest completion is exported.
    expect(min).toEqual([
      {
        image: '/data/upload/011727d935627522ac74a1614abc37a6-img.png',
        id: 0,
        label: [{ x: 1, y: 2, width: 3, height: 4, rotation: 0, rectanglelabels: ['Airplane'], original_width: 64, original_height: 48 }],
      },
    ]);
  });
});

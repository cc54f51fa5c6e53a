// Who did what: completed_by on completions (from the identity next() reserves for), and
// GET /api/project/stats on its numbers: two annotators, three labels, skips, completions
// from 0.8 folders without completed_by ("unknown", null), per-day rows.
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appOnFixture, choiceCompletion, importTexts } from './support.ts';

describe('completed_by', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp({ AUTH_PASSWORD: 'secret1', AUTH_USERNAME: 'team' });
  });
  afterEach(async () => {
    await t.close();
  });

  const post = (path: string) => request(t.app).post(path).auth('team', 'secret1');
  const completionsOf = async (id: number) => (await request(t.app).get(`/api/tasks/${id}`).auth('team', 'secret1')).body.completions as Record<string, unknown>[];

  it('is the annotator cookie, else ?annotator=, else the Basic-auth user, as for next()', async () => {
    expect((await post('/api/project/import').send(['a', 'b', 'c', 'd'].map((text) => ({ text })))).status).toBe(201);
    await post('/api/tasks/0/completions?annotator=bob').set('Cookie', 'annotator=alice%20smith').send(choiceCompletion('Positive'));
    await post('/api/tasks/1/completions?annotator=bob').send(choiceCompletion('Positive'));
    await post('/api/tasks/2/completions').send(choiceCompletion('Positive'));
    await post('/api/tasks/3/completions?was_cancelled=1&annotator=bob').send({ result: [] });
    expect((await completionsOf(0))[0]!.completed_by).toBe('alice smith');
    expect((await completionsOf(1))[0]!.completed_by).toBe('bob');
    expect((await completionsOf(2))[0]!.completed_by).toBe('team');
    expect(await completionsOf(3)).toEqual([expect.objectContaining({ was_cancelled: true, completed_by: 'bob' })]);
  });

  it('is set by the server: a value in the body is ignored, an update keeps the maker', async () => {
    expect((await post('/api/project/import').send([{ text: 'a' }])).status).toBe(201);
    const made = await post('/api/tasks/0/completions?annotator=alice').send({ ...choiceCompletion('Positive'), completed_by: 'mallory' });
    expect(made.body).toEqual({ id: 1 });
    expect((await completionsOf(0))[0]!.completed_by).toBe('alice');
    const patched = await request(t.app)
      .patch('/api/tasks/0/completions/1?annotator=bob')
      .auth('team', 'secret1')
      .send({ ...choiceCompletion('Negative'), completed_by: 'mallory' });
    expect(patched.status).toBe(201);
    expect(await completionsOf(0)).toEqual([expect.objectContaining({ completed_by: 'alice', result: choiceCompletion('Negative').result })]);
  });
});

describe('completions without an annotator', () => {
  it('have no completed_by, as 0.8 wrote them', async () => {
    const t = await makeTestApp();
    try {
      await importTexts(t.app, ['a']);
      await request(t.app).post('/api/tasks/0/completions').send({ ...choiceCompletion('Positive'), completed_by: 'mallory' });
      const completion = (await request(t.app).get('/api/tasks/0')).body.completions[0] as Record<string, unknown>;
      expect(completion).not.toHaveProperty('completed_by');
    } finally {
      await t.close();
    }
  });
});

describe('GET /api/project/stats', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const complete = (taskId: number, annotator: string, choice: string | null) =>
    request(t.app)
      .post(`/api/tasks/${taskId}/completions?annotator=${annotator}${choice === null ? '&was_cancelled=1' : ''}`)
      .send(choice === null ? { result: [] } : choiceCompletion(choice))
      .expect(201);

  it('counts an empty project', async () => {
    const res = await request(t.app).get('/api/project/stats');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      tasks: { total: 0, completed: 0, labeled: 0, skipped: 0, remaining: 0 },
      completions: { total: 0, labeled: 0, skipped: 0 },
      labels: [
        { from_name: 'sentiment', label: 'Positive', completions: 0 },
        { from_name: 'sentiment', label: 'Negative', completions: 0 },
        { from_name: 'sentiment', label: 'Neutral', completions: 0 },
      ],
      annotators: [],
      per_day: [],
    });
  });

  it('counts two annotators, three labels and skips, per label, per annotator and per day', async () => {
    // Two tasks come with completions that do not say who made them (an import keeps
    // their fields; completed_by is set only by the completions API).
    await request(t.app)
      .post('/api/project/import')
      .send([
        ...['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7'].map((text) => ({ text })),
        { data: { text: 'old' }, completions: [choiceCompletion('Neutral')] },
        { data: { text: 'old skip' }, completions: [{ was_cancelled: true, result: [] }] },
      ])
      .expect(201);
    await complete(0, 'alice', 'Positive');
    await complete(1, 'alice', 'Positive');
    await complete(2, 'alice', 'Negative');
    await complete(3, 'alice', null);
    await complete(1, 'bob', 'Neutral'); // a second opinion on task 1
    await complete(4, 'bob', 'Neutral');
    await complete(5, 'bob', null);
    await complete(5, 'alice', null); // skipped twice: still one skipped task
    // A task skipped and then labeled counts as labeled.
    await complete(6, 'bob', null);
    await complete(6, 'alice', 'Positive');

    const res = await request(t.app).get('/api/project/stats');
    expect(res.status).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    expect(res.body).toEqual({
      // Labeled: 0, 1, 2, 4, 6, 8; skipped: 3, 5, 9; left: 7.
      tasks: { total: 10, completed: 9, labeled: 6, skipped: 3, remaining: 1 },
      completions: { total: 12, labeled: 7, skipped: 5 },
      labels: [
        { from_name: 'sentiment', label: 'Positive', completions: 3 },
        { from_name: 'sentiment', label: 'Negative', completions: 1 },
        { from_name: 'sentiment', label: 'Neutral', completions: 3 },
      ],
      annotators: [
        { annotator: 'alice', labeled: 4, skipped: 2 },
        { annotator: 'bob', labeled: 2, skipped: 2 },
        { annotator: null, labeled: 1, skipped: 1 },
      ],
      per_day: [
        { day: today, annotator: 'alice', labeled: 4, skipped: 2 },
        { day: today, annotator: 'bob', labeled: 2, skipped: 2 },
        { day: today, annotator: null, labeled: 1, skipped: 1 },
      ],
    });
  });

  it('counts each label a completion uses once, in the config order, controls apart', async () => {
    const config =
      '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text" choice="multiple"><Choice value="Negative"/><Choice value="Neutral"/><Choice value="Positive"/></Choices>' +
      '<Choices name="topic" toName="text"><Choice value="Sport"/><Choice value="Neutral"/></Choices></View>';
    await request(t.app).post('/api/project/config').type('application/xml').send(config).expect(201);
    await importTexts(t.app, ['a', 'b']);
    const results = [
      { from_name: 'topic', to_name: 'text', type: 'choices', value: { choices: ['Sport'] } },
      { from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Neutral', 'Negative'] } },
      { from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Neutral'] } },
    ];
    await request(t.app).post('/api/tasks/0/completions?annotator=bob').send({ result: results }).expect(201);
    const res = await request(t.app).get('/api/project/stats');
    expect(res.body.labels).toEqual([
      { from_name: 'sentiment', label: 'Negative', completions: 1 },
      { from_name: 'sentiment', label: 'Neutral', completions: 1 },
      { from_name: 'sentiment', label: 'Positive', completions: 0 },
      { from_name: 'topic', label: 'Sport', completions: 1 },
      { from_name: 'topic', label: 'Neutral', completions: 0 },
    ]);
  });

  it('keeps labels the config no longer has after its own (a folder whose config changed outside the server)', async () => {
    const changed = await appOnFixture('text-sentiment', {}, async (dir) => {
      // Neutral, used by completions/2.json, is gone; Mixed is new.
      const config = '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/><Choice value="Mixed"/></Choices></View>';
      await writeFile(join(dir, 'config.xml'), config);
    });
    try {
      const res = await request(changed.app).get('/api/project/stats');
      expect(res.body.labels).toEqual([
        { from_name: 'sentiment', label: 'Positive', completions: 1 },
        { from_name: 'sentiment', label: 'Negative', completions: 1 },
        { from_name: 'sentiment', label: 'Mixed', completions: 0 },
        { from_name: 'sentiment', label: 'Neutral', completions: 1 },
      ]);
    } finally {
      await changed.close();
    }
  });

  it('reads a Label Studio 0.8 folder, whose completions say nothing of who made them', async () => {
    const old = await appOnFixture('text-sentiment');
    try {
      const res = await request(old.app).get('/api/project/stats');
      expect(res.status).toBe(200);
      const project = await request(old.app).get('/api/project');
      expect(res.body.tasks.total).toBe(project.body.task_count);
      expect(res.body.tasks.completed).toBe(project.body.completion_count);
      // Four completions files: three labeled, one skipped, all made on one day in 2026.
      expect(res.body.tasks).toEqual({ total: 6, completed: 4, labeled: 3, skipped: 1, remaining: 2 });
      expect(res.body.annotators).toEqual([{ annotator: null, labeled: 3, skipped: 1 }]);
      expect(res.body.per_day).toEqual([{ day: '2026-11-28', annotator: null, labeled: 3, skipped: 1 }]);
      // Work done since is counted by day and annotator, after the older days.
      await request(old.app).post('/api/tasks/1/completions?annotator=alice').send(choiceCompletion('Positive')).expect(201);
      const after = await request(old.app).get('/api/project/stats');
      expect(after.body.per_day).toEqual([
        { day: '2026-11-28', annotator: null, labeled: 3, skipped: 1 },
        { day: new Date().toISOString().slice(0, 10), annotator: 'alice', labeled: 1, skipped: 0 },
      ]);
      // Unknown last, however much it did.
      expect(after.body.annotators).toEqual([
        { annotator: 'alice', labeled: 1, skipped: 0 },
        { annotator: null, labeled: 3, skipped: 1 },
      ]);
    } finally {
      await old.close();
    }
  });
});

// GET /api/project/next: the four sampling methods, reservations per annotator
// (?annotator=, the annotator cookie, or the Basic-auth user), and eight concurrent
// annotators who never get the same task.
import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Express } from 'express';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { choiceCompletion, choiceResult, expectRejected, importTexts } from './support.ts';

const next = (app: Express, annotator?: string) => request(app).get(annotator === undefined ? '/api/project/next' : `/api/project/next?annotator=${encodeURIComponent(annotator)}`);
const NO_MORE = { status: 404, code: 'no_more_tasks', detail: 'No more tasks' };

describe('GET /api/project/next', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  it('sequential: the lowest unlabeled id; skipped tasks are not offered again; 404 at the end', async () => {
    t = await makeTestApp();
    const empty = await request(t.app).get('/api/project/next/');
    expect(empty.status).toBe(404);
    expect(empty.body).toEqual(NO_MORE);
    await request(t.app)
      .post('/api/project/import')
      .send([{ text: 'a' }, { data: { text: 'b' }, predictions: [{ result: [choiceResult('Negative', 'p1')], score: 0.82 }] }, { text: 'c' }])
      .expect(201);
    const first = await next(t.app);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ id: 0, data: { text: 'a' } });
    // No annotator: no reservation, so the same task again.
    expect((await next(t.app)).body).toEqual({ id: 0, data: { text: 'a' } });
    await request(t.app).post('/api/tasks/0/completions?was_cancelled=1').send({ result: [] }).expect(201);
    expect((await next(t.app)).body).toEqual({ id: 1, data: { text: 'b' }, predictions: [{ result: [choiceResult('Negative', 'p1')], score: 0.82 }] });
    await request(t.app).post('/api/tasks/1/completions').send(choiceCompletion('Positive')).expect(201);
    expect((await next(t.app)).body).toEqual({ id: 2, data: { text: 'c' } });
    await request(t.app).post('/api/tasks/2/completions').send(choiceCompletion('Positive')).expect(201);
    const end = await next(t.app);
    expect(end.status).toBe(404);
    expect(end.body).toEqual(NO_MORE);
  });

  it('uniform: only unlabeled tasks, each of them sooner or later', async () => {
    t = await makeTestApp();
    await importTexts(t.app, ['0', '1', '2', '3', '4', '5']);
    await request(t.app).patch('/api/project').send({ sampling: 'uniform' }).expect(201);
    await request(t.app).post('/api/tasks/2/completions').send(choiceCompletion('Positive')).expect(201);
    await request(t.app).post('/api/tasks/4/completions?was_cancelled=1').send({ result: [] }).expect(201);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const res = await next(t.app);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: res.body.id, data: { text: String(res.body.id) } });
      seen.add(res.body.id);
    }
    expect([...seen].sort()).toEqual([0, 1, 3, 5]);
  });

  it('prediction-score-min and -max: by mean prediction score, then tasks without predictions in id order', async () => {
    t = await makeTestApp();
    const pred = (score?: number) => ({ result: [choiceResult('Positive', 'p')], ...(score === undefined ? {} : { score }) });
    await request(t.app)
      .post('/api/project/import')
      .send([
        { text: 'no predictions' },
        { data: { text: 'mean 0.5' }, predictions: [pred(0.2), pred(0.8)] },
        { data: { text: 'mean 0.9' }, predictions: [pred(0.9)] },
        { data: { text: 'mean 0.1' }, predictions: [pred(0.1)] },
        { text: 'no predictions either' },
        // A prediction without a score counts as 0 (0.8 answered a 500).
        { data: { text: 'no score' }, predictions: [pred()] },
      ])
      .expect(201);
    const order = async (sampling: string) => {
      await request(t.app).patch('/api/project').send({ sampling }).expect(201);
      const got: number[] = [];
      for (;;) {
        const res = await next(t.app);
        if (res.status === 404) break;
        expect(res.status).toBe(200);
        got.push(res.body.id);
        await request(t.app).post(`/api/tasks/${res.body.id}/completions`).send(choiceCompletion('Neutral')).expect(201);
      }
      await request(t.app).delete('/api/completions').expect(201);
      return got;
    };
    expect(await order('prediction-score-min')).toEqual([5, 3, 1, 2, 0, 4]);
    expect(await order('prediction-score-max')).toEqual([2, 1, 3, 5, 0, 4]);
    expect(await order('sequential')).toEqual([0, 1, 2, 3, 4, 5]);
    // A changed prediction moves the task.
    await request(t.app).patch('/api/project').send({ sampling: 'prediction-score-max' }).expect(201);
    await request(t.app).patch('/api/tasks/0').send({ predictions: [pred(0.95)] }).expect(200);
    expect((await next(t.app)).body.id).toBe(0);
  });

  it('reservations: an annotator gets the same task back, others the next free one; submit and skip release', async () => {
    t = await makeTestApp();
    await importTexts(t.app, ['a', 'b', 'c']);
    expect((await next(t.app, 'ann')).body.id).toBe(0);
    expect((await next(t.app, 'ann')).body.id).toBe(0);
    // The cookie names an annotator too.
    const bobFirst = await request(t.app).get('/api/project/next').set('Cookie', 'annotator=bob');
    expect(bobFirst.body).toEqual({ id: 1, data: { text: 'b' } });
    expect((await request(t.app).get('/api/project/next').set('Cookie', 'theme=dark; annotator=bob')).body.id).toBe(1);
    expect((await next(t.app, 'bob')).body.id).toBe(1);
    expect((await next(t.app, 'carol')).body.id).toBe(2);
    // Everything unlabeled is held by someone else.
    const dave = await next(t.app, 'dave');
    expect(dave.status).toBe(404);
    expect(dave.body).toEqual(NO_MORE);
    // Without an annotator nothing is reserved, and held tasks are not handed out.
    expect((await next(t.app)).status).toBe(404);
    // Submitting releases: ann moves on; skipping releases too.
    await request(t.app).post('/api/tasks/0/completions?annotator=ann').send(choiceCompletion('Positive')).expect(201);
    expect((await next(t.app, 'ann')).status).toBe(404);
    await request(t.app).post('/api/tasks/1/completions?was_cancelled=1').send({ result: [] }).expect(201);
    expect((await next(t.app, 'bob')).status).toBe(404);
    // carol's task comes back to her until she is done.
    expect((await next(t.app, 'carol')).body.id).toBe(2);
    await request(t.app).delete('/api/tasks/0/completions').expect(204);
    expect((await next(t.app, 'dave')).body.id).toBe(0);
    expect((await next(t.app, 'carol')).body.id).toBe(2);
  });

  it('an annotator who asks again after a new task appears keeps the held one', async () => {
    t = await makeTestApp();
    await importTexts(t.app, ['a', 'b']);
    expect((await next(t.app, 'x')).body.id).toBe(0);
    await request(t.app).post('/api/tasks/1/completions').send(choiceCompletion('Positive')).expect(201);
    expect((await next(t.app, 'x')).body.id).toBe(0);
    // Deleting a held task frees its annotator.
    await request(t.app).delete('/api/tasks/0').expect(204);
    expect((await next(t.app, 'x')).status).toBe(404);
    expect(await importTexts(t.app, ['c'])).toEqual([2]);
    expect((await next(t.app, 'y')).body.id).toBe(2);
    expect((await next(t.app, 'x')).status).toBe(404);
  });

  it('with Basic auth the annotator cookie or query still tells people apart; without them the user is the annotator', async () => {
    t = await makeTestApp({ AUTH_PASSWORD: 'pw', AUTH_USERNAME: 'ls' });
    await request(t.app).post('/api/project/import').auth('ls', 'pw').send([{ text: 'a' }, { text: 'b' }, { text: 'c' }]).expect(201);
    // One shared account: the user name alone cannot tell two annotators apart.
    expect((await request(t.app).get('/api/project/next?annotator=ann').auth('ls', 'pw')).body.id).toBe(0);
    expect((await request(t.app).get('/api/project/next').set('Cookie', 'annotator=bob').auth('ls', 'pw')).body.id).toBe(1);
    expect((await request(t.app).get('/api/project/next?annotator=ann').auth('ls', 'pw')).body.id).toBe(0);
    // No name given: the account is the annotator, and holds a task of its own.
    expect((await request(t.app).get('/api/project/next').auth('ls', 'pw')).body.id).toBe(2);
    expect((await request(t.app).get('/api/project/next').auth('ls', 'pw')).body.id).toBe(2);
    expect((await request(t.app).get('/api/project/next?annotator=carol').auth('ls', 'pw')).status).toBe(404);
  });

  it('a reservation runs out after RESERVATION_SECONDS', async () => {
    t = await makeTestApp({ RESERVATION_SECONDS: '1' });
    await importTexts(t.app, ['a']);
    expect((await next(t.app, 'slow')).body.id).toBe(0);
    expect((await next(t.app, 'fast')).status).toBe(404);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await next(t.app, 'fast')).body.id).toBe(0);
    expect((await next(t.app, 'slow')).status).toBe(404);
  });

  it('changes nothing on disk and rejects wrong methods', async () => {
    t = await makeTestApp();
    await importTexts(t.app, ['a']);
    await expectRejected(t, [
      { method: 'post', path: '/api/project/next', body: {}, status: 405 },
      { method: 'delete', path: '/api/project/next', status: 405 },
    ]);
  });
});

describe('eight concurrent annotators', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  const runs: [string, boolean][] = [
    ['sequential', false],
    ['uniform', false],
    ['prediction-score-max', false],
    ['sequential', true],
  ];
  for (const [sampling, withAuth] of runs) {
    it(`never get the same task twice (${sampling}${withAuth ? ', one shared Basic-auth account' : ''})`, async () => {
      t = await makeTestApp(withAuth ? { AUTH_PASSWORD: 'pw' } : {});
      const auth = (r: request.Test) => (withAuth ? r.auth('ls', 'pw') : r);
      const n = 120;
      await auth(request(t.app).post('/api/project/import'))
        .send(Array.from({ length: n }, (_, i) => ({ data: { text: `task ${i}` }, predictions: i % 3 ? [{ result: [], score: (i * 7) % 11 }] : [] })))
        .expect(201);
      await auth(request(t.app).patch('/api/project')).send({ sampling }).expect(201);
      const handedOut: number[] = [];
      const perAnnotator = new Map<string, number[]>();
      const annotate = async (name: string, useCookie: boolean) => {
        const mine: number[] = [];
        perAnnotator.set(name, mine);
        for (;;) {
          const req = useCookie ? request(t.app).get('/api/project/next').set('Cookie', `annotator=${name}`) : request(t.app).get(`/api/project/next?annotator=${name}`);
          const res = await auth(req);
          if (res.status === 404) return;
          expect(res.status).toBe(200);
          const id = res.body.id as number;
          handedOut.push(id);
          mine.push(id);
          const skip = id % 10 === 0;
          const submit = await auth(request(t.app).post(`/api/tasks/${id}/completions${skip ? '?was_cancelled=1' : ''}`))
            .set('Cookie', `annotator=${name}`)
            .send(skip ? { result: [] } : choiceCompletion('Positive', 1, name));
          expect(submit.status).toBe(201);
          expect(submit.body).toEqual({ id: id * 1000 + 1 });
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, i) => annotate(`annotator-${i}`, i % 2 === 0)));
      expect(new Set(handedOut).size).toBe(handedOut.length);
      expect([...handedOut].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      // Work was shared, not done by one annotator.
      expect([...perAnnotator.values()].filter((ids) => ids.length > 0).length).toBeGreaterThan(1);
      // Every task labeled exactly once.
      const list = await auth(request(t.app).get('/api/tasks?page_size=1000'));
      expect(list.body).toHaveLength(n);
      for (const task of list.body) expect(task.completions, `task ${task.id}`).toHaveLength(1);
      const project = await auth(request(t.app).get('/api/project'));
      expect(project.body.completion_count).toBe(n);
      expect((await auth(request(t.app).get('/api/project/next'))).status).toBe(404);
    });
  }
});

// Predictions through /api/models/predictions (mode=data, all_tasks, specific_tasks),
// stored on the tasks by background jobs in batches, served by /api/project/next and
// GET /api/tasks/<id>, and the live ask for a task without stored predictions, which a
// hanging backend cannot stretch past ML_TIMEOUT_LIVE_PREDICT. Real backends on
// 127.0.0.1: the example backend, a v2 one, and scripted ones that hang or talk garbage.
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { freePort } from '../helpers/server.ts';
import { HEALTHY_LEGACY, startExampleBackend, startScriptedBackend, startV2Backend, type RunningBackend, type ScriptedBackend } from '../helpers/mlBackends.ts';
import { choiceResult, expectErrorShape, expectRejected, expectUnchanged, importTexts, snapshot } from './support.ts';
import { connect, label, predictAll, REVIEWS, storedPredictions, train, waitForJob } from './mlSupport.ts';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let t: TestApp;
let example: RunningBackend;
const extra: RunningBackend[] = [];
beforeEach(async () => {
  example = await startExampleBackend();
});
afterEach(async () => {
  await t?.close();
  await Promise.all([example.close(), ...extra.splice(0).map((b) => b.close())]);
});

async function scripted(routes: ConstructorParameters<typeof Object>[0]): Promise<ScriptedBackend> {
  const b = await startScriptedBackend(routes as Parameters<typeof startScriptedBackend>[0]);
  extra.push(b);
  return b;
}

/** An app with the reviews imported, the example backend connected, and trained on the first `labeled` of them. */
async function trainedProject(overrides: Parameters<typeof makeTestApp>[0] = {}, labeled = 4): Promise<number[]> {
  t = await makeTestApp(overrides);
  const ids = await importTexts(t.app, REVIEWS.map(([text]) => text));
  await connect(t.app, example.url);
  // Two of each sentiment: the first two and the last two reviews.
  for (const i of [0, 1, REVIEWS.length - 2, REVIEWS.length - 1].slice(0, labeled)) await label(t.app, ids[i]!, REVIEWS[i]![1]);
  expect((await train(t.app)).status).toBe('done');
  return ids;
}

describe('mode=data: a prediction for the posted task, nothing stored', () => {
  it('takes bare data or a task, from the trained example backend', async () => {
    await trainedProject();
    const before = await snapshot(t);
    const bare = await request(t.app).post('/api/models/predictions').send({ text: 'great coffee' });
    expect(bare.status).toBe(200);
    expect(bare.body).toEqual({
      data: { text: 'great coffee' },
      predictions: [
        {
          result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Positive'] } }],
          score: expect.any(Number),
          created_by: 'nb',
          created_date: expect.stringMatching(ISO),
          model_version: expect.stringMatching(/^\d+$/),
        },
      ],
    });
    const task = await request(t.app).post('/api/models/predictions?mode=data').send({ data: { text: 'rude waiter' }, meta: { source: 'x' } });
    expect(task.status).toBe(200);
    expect(task.body).toMatchObject({ data: { text: 'rude waiter' }, meta: { source: 'x' }, predictions: [{ result: [{ value: { choices: ['Negative'] } }] }] });
    // 0.8's old route for the same thing.
    expect((await request(t.app).post('/predict?mode=all_tasks').send({ text: 'great' })).body.predictions).toHaveLength(1);
    await expectUnchanged(t, before, 'mode=data stores nothing');
  });

  it('refuses what is not a prediction request (400/422), without a backend first of all', async () => {
    t = await makeTestApp();
    await importTexts(t.app, ['a']);
    await expectRejected(t, [
      { method: 'post', path: '/api/models/predictions', body: { text: 'x' }, status: 400, code: 'no_ml_backend', expected: { detail: 'No ML backend' } },
      { method: 'post', path: '/api/models/predictions?mode=bogus', status: 400, code: 'no_ml_backend' },
      { method: 'post', path: '/api/models/train', status: 400, code: 'no_ml_backend' },
      { method: 'post', path: '/predict', body: { text: 'x' }, status: 400, code: 'no_ml_backend' },
    ]);
    await connect(t.app, example.url);
    await expectRejected(t, [
      { method: 'post', path: '/api/models/predictions?mode=bogus', status: 422, code: 'invalid_prediction_request', expected: { detail: 'unknown mode' } },
      { method: 'post', path: '/api/models/predictions', status: 422, code: 'invalid_prediction_request', expected: { detail: 'no task data found in request json' } },
      { method: 'get', path: '/api/models/predictions?mode=data', status: 422, code: 'invalid_prediction_request' },
      { method: 'post', path: '/api/models/predictions', body: { data: 'text' }, status: 422, code: 'invalid_prediction_request' },
      { method: 'post', path: '/api/models/predictions?mode=specific_tasks', status: 422, code: 'invalid_prediction_request', expected: { detail: 'Request JSON data must have "task_ids": [1, 2, ...]' } },
      { method: 'post', path: '/api/models/predictions?mode=specific_tasks&task_ids=1,x', status: 422, code: 'invalid_prediction_request' },
      { method: 'post', path: '/api/models/predictions?mode=specific_tasks', body: { task_ids: [0, -1] }, status: 422, code: 'invalid_prediction_request' },
      { method: 'post', path: '/api/models/predictions?mode=specific_tasks', body: { task_ids: '0' }, status: 422, code: 'invalid_prediction_request' },
      { method: 'post', path: '/api/models/predictions?mode=specific_tasks&task_ids=0,99', status: 404, code: 'not_found', expected: { detail: 'task 99 not found' } },
      { method: 'get', path: '/api/models/predictions?mode=all_tasks', status: 405, code: 'method_not_allowed', responseHeaders: { allow: 'POST' } },
      { method: 'get', path: '/api/models/predictions?mode=specific_tasks&task_ids=0', status: 405, code: 'method_not_allowed' },
      { method: 'get', path: '/api/models/jobs/nope', status: 404, code: 'job_not_found' },
      { method: 'delete', path: '/api/models/jobs/nope', status: 404, code: 'job_not_found' },
    ]);
  });
});

describe('prediction jobs store predictions on the tasks', () => {
  it('all_tasks: stored with model_version, score, created_by and created_date; GET /api/tasks and next serve them without asking again', async () => {
    const ids = await trainedProject();
    const job = await predictAll(t.app);
    expect(job).toMatchObject({ type: 'predict', status: 'done', trigger: 'api', mode: 'all_tasks', total: ids.length, processed: ids.length, predicted: ids.length, error: null });
    const version = job.backends.nb.model_version as string;
    expect(job.backends.nb).toEqual({ connected: true, calls: 1, predictions: ids.length, errors: 0, model_version: version, error: null });

    const stored = await storedPredictions(t.app);
    for (const [i, [, sentiment]] of REVIEWS.entries()) {
      const [p] = stored.get(ids[i]!)!;
      expect(p).toEqual({
        result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [expect.any(String)] } }],
        score: expect.any(Number),
        created_by: 'nb',
        created_date: expect.stringMatching(ISO),
        model_version: version,
      });
      // The labeled ones at least are learnt.
      if ([0, 1, REVIEWS.length - 2, REVIEWS.length - 1].includes(i)) expect(p.result[0].value.choices).toEqual([sentiment]);
    }

    const predictCalls = example.count('/predict');
    const next = await request(t.app).get('/api/project/next');
    expect(next.status).toBe(200);
    expect(next.body.predictions).toEqual(stored.get(next.body.id));
    const one = await request(t.app).get(`/api/tasks/${ids[0]}`);
    expect(one.body.predictions).toEqual(stored.get(ids[0]!));
    expect(example.count('/predict'), 'stored predictions are served as they are').toBe(predictCalls);

    // Kept durably, through the store: a restart still has them.
    await t.reopen();
    expect(await storedPredictions(t.app)).toEqual(stored);
  });

  it('1,000 tasks are predicted in ceil(1000/32) = 32 /predict calls (ML_PREDICT_BATCH_SIZE, default 32)', async () => {
    t = await makeTestApp();
    const ids = await importTexts(t.app, Array.from({ length: 1000 }, (_, i) => `${REVIEWS[i % REVIEWS.length]![0]} #${i}`));
    await connect(t.app, example.url);
    for (const i of [0, 1, 4, 5]) await label(t.app, ids[i]!, REVIEWS[i]![1]);
    await train(t.app);
    const [predictBefore, setupBefore] = [example.count('/predict'), example.count('/setup')];
    const job = await predictAll(t.app);
    expect(job).toMatchObject({ status: 'done', total: 1000, processed: 1000, predicted: 1000 });
    expect(example.count('/predict') - predictBefore).toBe(Math.ceil(1000 / 32));
    // /setup before each /predict (0.8's order), so the model version is current.
    expect(example.count('/setup') - setupBefore).toBe(32);
    const bodies = example.calls.filter((c) => c.path === '/predict').slice(-32);
    expect(bodies.map((c) => c.body.tasks.length).sort((a: number, b: number) => a - b)).toEqual([...Array(31).fill(32), 8].sort((a, b) => a - b));
    // Batches run a few at a time, so the first batch's call need not come first.
    expect(bodies.map((c) => c.body.tasks[0]).find((task: { id: number }) => task.id === ids[0])).toEqual({ id: ids[0], data: { text: `${REVIEWS[0]![0]} #0` }, predictions: [] });
    const stored = await storedPredictions(t.app);
    expect([...stored.values()].every((p) => p.length === 1)).toBe(true);
  });

  it('the batch size is a setting', async () => {
    await trainedProject({ ML_PREDICT_BATCH_SIZE: '3' });
    const before = example.count('/predict');
    await predictAll(t.app);
    expect(example.count('/predict') - before).toBe(Math.ceil(REVIEWS.length / 3));
  });

  it('specific_tasks: ids in the query or in JSON; only those tasks change', async () => {
    const ids = await trainedProject();
    const job = await predictAll(t.app, [ids[2]!, ids[3]!]);
    expect(job).toMatchObject({ status: 'done', mode: 'specific_tasks', task_ids: [ids[2], ids[3]], total: 2, predicted: 2 });
    let stored = await storedPredictions(t.app);
    expect([...stored].filter(([, p]) => p.length > 0).map(([id]) => id)).toEqual([ids[2], ids[3]]);
    const res = await request(t.app).post('/api/models/predictions?mode=specific_tasks').send({ task_ids: [ids[4]] });
    expect(res.status).toBe(202);
    await waitForJob(t.app, res.body.job.id);
    stored = await storedPredictions(t.app);
    expect([...stored].filter(([, p]) => p.length > 0).map(([id]) => id)).toEqual([ids[2], ids[3], ids[4]]);
  });

  it('a backend replaces its own predictions and keeps imported ones and other backends\'', async () => {
    await trainedProject();
    const imported = { result: [choiceResult('Neutral', 'p1')], score: 0.99 };
    await request(t.app).post('/api/tasks/0').send({ data: { text: REVIEWS[0]![0] }, predictions: [imported] }).expect(200);
    const v2 = await startV2Backend();
    extra.push(v2);
    await connect(t.app, v2.url, 'tiny');
    await predictAll(t.app);
    await predictAll(t.app);
    const [first, nb, tiny, ...more] = (await storedPredictions(t.app)).get(0)!;
    expect(more).toEqual([]);
    expect(first).toEqual(imported);
    expect(nb.created_by).toBe('nb');
    expect(tiny).toMatchObject({ created_by: 'tiny', model_version: '0.0.1', score: 0.1 });
  });

  it('one prediction job at a time (409 naming it); a job can be cancelled; jobs are listed newest first', async () => {
    t = await makeTestApp();
    await importTexts(t.app, ['a', 'b', 'c']);
    const slow = await scripted({ ...HEALTHY_LEGACY, 'POST /predict': 'hang' });
    await connect(t.app, slow.url, 'slow');
    const started = await request(t.app).post('/api/models/predictions?mode=all_tasks');
    expect(started.status).toBe(202);
    const id = started.body.job.id as string;
    const again = await request(t.app).post('/api/models/predictions?mode=all_tasks');
    expect(again.status).toBe(409);
    expectErrorShape(again);
    expect(again.body).toMatchObject({ code: 'ml_job_running', job: { id, status: 'running' } });
    const cancelled = await request(t.app).delete(`/api/models/jobs/${id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id, status: 'cancelled', finished_at: expect.stringMatching(ISO) });
    const next = await request(t.app).post('/api/models/predictions?mode=specific_tasks&task_ids=1');
    expect(next.status).toBe(202);
    const jobs = await request(t.app).get('/api/models/jobs');
    expect(jobs.body.jobs.map((j: { id: string }) => j.id)).toEqual([next.body.job.id, id]);
    await request(t.app).delete(`/api/models/jobs/${next.body.job.id}`).expect(200);
  });

  it('an answer with the wrong number of results is asked again one task at a time', async () => {
    t = await makeTestApp({ ML_PREDICT_BATCH_SIZE: '4' });
    await importTexts(t.app, ['a', 'b', 'c']);
    const one = await scripted({ ...HEALTHY_LEGACY, 'POST /predict': () => ({ json: { results: [{ result: [], score: 0.3 }] } }) });
    await connect(t.app, one.url, 'single');
    const job = await predictAll(t.app);
    expect(job).toMatchObject({ status: 'done', predicted: 3, backends: { single: { calls: 4 } } });
    expect(one.calls.filter((c) => c.path === '/predict').map((c) => c.body.tasks.length)).toEqual([3, 1, 1, 1]);
  });

  it('a v2 backend: a list of predictions per task, each with its model_version', async () => {
    t = await makeTestApp();
    await importTexts(t.app, ['a', 'b']);
    const v2 = await startV2Backend();
    extra.push(v2);
    await connect(t.app, v2.url, 'tiny');
    await predictAll(t.app);
    expect((await storedPredictions(t.app)).get(1)).toEqual([
      { model_version: '0.0.1', score: 0.1, result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Positive'] } }], created_by: 'tiny', created_date: expect.stringMatching(ISO) },
    ]);
    const body = v2.calls.find((c) => c.path === '/predict')!.body;
    expect(body).toMatchObject({ model_version: '0.0.1', project: 'tiny', params: { force_load: true, login: '', password: '' } });
  });

  it('prediction-score sampling follows the stored scores', async () => {
    const ids = await trainedProject();
    await predictAll(t.app);
    const stored = await storedPredictions(t.app);
    const unlabeled = ids.filter((_, i) => ![0, 1, REVIEWS.length - 2, REVIEWS.length - 1].includes(i));
    const scores = unlabeled.map((id) => [id, stored.get(id)![0].score as number] as const);
    const lowest = scores.reduce((a, b) => (b[1] < a[1] ? b : a))[0];
    const highest = scores.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    await request(t.app).patch('/api/project').send({ sampling: 'prediction-score-min' }).expect(201);
    expect((await request(t.app).get('/api/project/next')).body.id).toBe(lowest);
    await request(t.app).patch('/api/project').send({ sampling: 'prediction-score-max' }).expect(201);
    expect((await request(t.app).get('/api/project/next')).body.id).toBe(highest);
  });
});

describe('live predictions of next and GET /api/tasks/<id>', () => {
  it('a task without stored predictions is predicted live, not stored; with backends the list is always there', async () => {
    const ids = await trainedProject();
    const before = example.count('/predict');
    const next = await request(t.app).get('/api/project/next');
    expect(next.status).toBe(200);
    expect(next.body).toMatchObject({ id: ids[2], data: { text: REVIEWS[2]![0] }, predictions: [{ created_by: 'nb', score: expect.any(Number) }] });
    const sent = example.calls.filter((c) => c.path === '/predict').at(-1)!.body;
    // 0.8's body: the one task with predictions emptied, the config on one line.
    expect(sent).toEqual({
      tasks: [{ id: ids[2], data: { text: REVIEWS[2]![0] }, predictions: [] }],
      model_version: next.body.predictions[0].model_version,
      project: 'nb',
      label_config: expect.not.stringMatching(/\n/),
      params: { force_load: true, login: '', password: '' },
    });
    const setupBody = example.calls.filter((c) => c.path === '/setup').at(-1)!.body;
    expect(setupBody).toEqual({ project: 'nb', schema: sent.label_config, hostname: 'http://127.0.0.1:8080' });
    // A completed task, asked for by id: its completions go along.
    const labeled = await request(t.app).get(`/api/tasks/${ids[0]}`);
    expect(labeled.body.predictions).toHaveLength(1);
    expect(example.calls.filter((c) => c.path === '/predict').at(-1)!.body.tasks[0].completions).toHaveLength(1);
    expect(example.count('/predict')).toBe(before + 2);
    expect((await storedPredictions(t.app)).get(ids[2]!)).toEqual([]);
  });

  it('a backend without a model yet, or down: the task comes back with stored predictions or [], no error', async () => {
    t = await makeTestApp();
    await importTexts(t.app, ['a']);
    await request(t.app).post('/api/tasks/1').send({ data: { text: 'b' }, predictions: [{ result: [], score: 0.2 }] }).expect(201);
    await connect(t.app, example.url); // never trained: /predict answers 404
    expect((await request(t.app).get('/api/tasks/0')).body).toEqual({ id: 0, data: { text: 'a' }, predictions: [] });
    await example.close();
    expect((await request(t.app).get('/api/tasks/0')).body).toEqual({ id: 0, data: { text: 'a' }, predictions: [] });
    expect((await request(t.app).get('/api/tasks/1')).body).toEqual({ id: 1, data: { text: 'b' }, predictions: [{ result: [], score: 0.2 }] });
    example = await startExampleBackend(); // for afterEach
  });

  it('a backend that hangs: next and GET task answer within ML_TIMEOUT_LIVE_PREDICT + 200 ms, then leave it alone for a while', async () => {
    t = await makeTestApp({ ML_TIMEOUT_LIVE_PREDICT: '0.5' });
    await importTexts(t.app, ['a', 'b']);
    const hanging = await scripted({ ...HEALTHY_LEGACY, 'POST /predict': 'hang' });
    await connect(t.app, hanging.url, 'stuck');
    const timed = async (path: string) => {
      const started = performance.now();
      const res = await request(t.app).get(path);
      return { res, ms: performance.now() - started };
    };
    const first = await timed('/api/project/next');
    expect(first.res.status).toBe(200);
    expect(first.res.body).toEqual({ id: 0, data: { text: 'a' }, predictions: [] });
    expect(first.ms).toBeGreaterThanOrEqual(450);
    expect(first.ms).toBeLessThan(500 + 200);
    console.log(`next with a hanging backend: ${first.ms.toFixed(0)} ms (ML_TIMEOUT_LIVE_PREDICT=0.5)`);
    // The backend timed out: the next asks skip it for LIVE_BACKOFF_MS.
    const second = await timed('/api/tasks/1');
    expect(second.res.body).toEqual({ id: 1, data: { text: 'b' }, predictions: [] });
    expect(second.ms).toBeLessThan(200);
    expect(hanging.count('/predict')).toBe(1);
  });

  it('a backend whose /health hangs costs no more than the live timeout either', async () => {
    t = await makeTestApp({ ML_TIMEOUT_LIVE_PREDICT: '0.4', ML_TIMEOUT_HEALTH: '5' });
    await importTexts(t.app, ['a']);
    const backend = await scripted({ ...HEALTHY_LEGACY });
    await connect(t.app, backend.url, 'flaky');
    backend.set('GET /health', 'hang');
    await new Promise((r) => setTimeout(r, 1100)); // past the health cache
    const started = performance.now();
    const res = await request(t.app).get('/api/tasks/0');
    const ms = performance.now() - started;
    expect(res.body).toEqual({ id: 0, data: { text: 'a' }, predictions: [] });
    expect(ms).toBeLessThan(400 + 200);
  });

  it('two backends: both asked at once, predictions in config order, one failing does not drop the other', async () => {
    t = await makeTestApp();
    await importTexts(t.app, ['a']);
    const v2 = await startV2Backend();
    extra.push(v2);
    const broken = await scripted({ ...HEALTHY_LEGACY, 'POST /predict': { status: 500, json: { status: 500, detail: 'boom' } } });
    await connect(t.app, broken.url, 'broken');
    await connect(t.app, v2.url, 'tiny');
    const res = await request(t.app).get('/api/project/next');
    expect(res.body.predictions.map((p: { created_by: string }) => p.created_by)).toEqual(['tiny']);
  });
});

describe('garbage from a backend is a clear 502', () => {
  const GARBAGE = '<html><body>502 Bad Gateway</body></html>';

  it('mode=data: 502 ml_backend_failed quoting it; next: 200 without predictions; a job: failed, saying why', async () => {
    t = await makeTestApp();
    await importTexts(t.app, ['a']);
    const junk = await scripted({ ...HEALTHY_LEGACY, 'POST /predict': { text: GARBAGE } });
    await connect(t.app, junk.url, 'junk');
    const before = await snapshot(t);
    const res = await request(t.app).post('/api/models/predictions').send({ text: 'x' });
    expect(res.status).toBe(502);
    expectErrorShape(res);
    expect(res.body).toEqual({
      status: 502,
      code: 'ml_backend_failed',
      detail: `No prediction: ML backend "junk": POST predict answered 200 with something that is not JSON: ${GARBAGE}`,
      backends: { junk: `POST predict answered 200 with something that is not JSON: ${GARBAGE}` },
    });
    await expectUnchanged(t, before, 'garbage');
    expect((await request(t.app).get('/api/project/next')).body).toEqual({ id: 0, data: { text: 'a' }, predictions: [] });
    const job = await predictAll(t.app);
    expect(job).toMatchObject({ status: 'failed', predicted: 0, backends: { junk: { errors: 1 } } });
    expect(job.error).toBe(`"junk": POST predict answered 200 with something that is not JSON: ${GARBAGE}`);
  });

  it('JSON that is not the protocol is garbage too; a backend that times out is a 504', async () => {
    t = await makeTestApp({ ML_TIMEOUT_PREDICT: '0.3' });
    const odd = await scripted({ ...HEALTHY_LEGACY, 'POST /predict': { json: ['not', 'an', 'object'] } });
    await connect(t.app, odd.url, 'odd');
    const res = await request(t.app).post('/api/models/predictions').send({ text: 'x' });
    expect(res.status).toBe(502);
    expect(res.body.detail).toBe('No prediction: ML backend "odd": /predict answered a list, not an object with "results"');
    odd.set('POST /predict', 'hang');
    const slow = await request(t.app).post('/api/models/predictions').send({ text: 'x' });
    expect(slow.status).toBe(504);
    expect(slow.body).toMatchObject({ code: 'ml_backend_timeout', detail: 'No prediction: ML backend "odd": POST predict: no answer within 0.3 s' });
  });

  it('every backend down: mode=data is a 502, a job fails as not connected', async () => {
    t = await makeTestApp();
    await importTexts(t.app, ['a']);
    await connect(t.app, example.url);
    await example.close();
    const res = await request(t.app).post('/api/models/predictions').send({ text: 'x' });
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('ml_backend_unreachable');
    const job = await predictAll(t.app);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/^No ML backend is connected: "nb" not connected: GET health: ECONNREFUSED/);
    example = await startExampleBackend();
  });
});

describe('DELETE /api/tasks', () => {
  it('tells each backend to forget the project (POST /delete); a 404 there changes nothing', async () => {
    t = await makeTestApp();
    await importTexts(t.app, ['a']);
    const legacy = await scripted(HEALTHY_LEGACY); // no /delete: 404
    await connect(t.app, example.url);
    await connect(t.app, legacy.url, 'old');
    expect((await request(t.app).delete('/api/tasks')).status).toBe(204);
    await new Promise((r) => setTimeout(r, 100));
    expect(example.calls.filter((c) => c.path === '/delete').map((c) => c.body)).toEqual([{ project: 'nb' }]);
    expect(legacy.calls.filter((c) => c.path === '/delete').map((c) => c.body)).toEqual([{ project: 'old' }]);
  });
});

it('a closed port in config.json does not slow next down (connection refused is immediate)', async () => {
  const port = await freePort();
  t = await makeTestApp({}, async (dir) => {
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}/config.json`, JSON.stringify({ ml_backends: [{ url: `http://127.0.0.1:${port}`, name: 'gone' }] }));
  });
  await importTexts(t.app, ['a']);
  const started = performance.now();
  expect((await request(t.app).get('/api/project/next')).body).toEqual({ id: 0, data: { text: 'a' }, predictions: [] });
  expect(performance.now() - started).toBeLessThan(300);
});

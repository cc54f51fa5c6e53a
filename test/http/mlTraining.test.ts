// POST /api/models/train for both protocol generations: the legacy /train body with both
// completions and annotations, the v2 START_TRAINING webhook, 0.8's checks (nothing
// connected, a training running), the training job and what it reports; training on
// its own after N completions, and refreshing the unlabeled tasks' predictions after it.
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { freePort } from '../helpers/server.ts';
import { HEALTHY_LEGACY, startExampleBackend, startScriptedBackend, startV2Backend, type Behaviour, type RunningBackend, type ScriptedBackend } from '../helpers/mlBackends.ts';
import { choiceCompletion, expectErrorShape, expectUnchanged, importTexts, snapshot } from './support.ts';
import { connect, label, predictAll, REVIEWS, storedPredictions, train, waitForJob } from './mlSupport.ts';

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

async function scripted(routes: Record<string, Behaviour>): Promise<ScriptedBackend> {
  const b = await startScriptedBackend(routes);
  extra.push(b);
  return b;
}

async function reviewsProject(overrides: Parameters<typeof makeTestApp>[0] = {}): Promise<number[]> {
  t = await makeTestApp(overrides);
  return importTexts(t.app, REVIEWS.map(([text]) => text));
}

/** Posts a training that 0.8 refuses; checks the error and that nothing changed. */
async function refusedTraining(status: number, code: string, detail: string | RegExp): Promise<Record<string, unknown>> {
  const before = await snapshot(t);
  const res = await request(t.app).post('/api/models/train');
  expect(res.status, res.text).toBe(status);
  expectErrorShape(res);
  expect(res.body.code).toBe(code);
  if (typeof detail === 'string') expect(res.body.detail).toBe(detail);
  else expect(res.body.detail).toMatch(detail);
  await expectUnchanged(t, before, `training refused with ${code}`);
  return res.body;
}

describe('training a legacy backend', () => {
  it('sends every completions file under both keys; the job trains the model and later predictions change', async () => {
    const ids = await reviewsProject();
    await connect(t.app, example.url);
    await label(t.app, ids[0]!, 'Positive');
    await label(t.app, ids[4]!, 'Negative');
    await request(t.app).post(`/api/tasks/${ids[2]}/completions?was_cancelled=1`).send({ result: [] }).expect(201);
    const job = await train(t.app);
    expect(job).toMatchObject({ type: 'train', status: 'done', trigger: 'api', error: null, backends: { nb: { protocol: 'legacy', status: 'trained', job: null, error: null } } });

    const [isTraining] = example.calls.filter((c) => c.path === '/is_training');
    expect(isTraining!.query).toBe('?project=nb');
    const body = example.calls.find((c) => c.path === '/train')!.body;
    expect(Object.keys(body).sort()).toEqual(['annotations', 'completions', 'label_config', 'params', 'project']);
    expect(body.annotations).toEqual(body.completions);
    expect(body.project).toBe('nb');
    expect(body.label_config).not.toMatch(/\n/);
    expect(body.params).toEqual({ login: '', password: '', project_full_path: t.project.store.location });
    expect(body.completions.map((i: { id: number }) => i.id)).toEqual([ids[0], ids[2], ids[4]]);
    for (const item of body.completions) {
      expect(item.annotations).toEqual(item.completions);
      expect(item).not.toHaveProperty('predictions');
    }
    expect(body.completions[1].completions[0].was_cancelled).toBe(true);

    // What the model says of an unlabeled task before and after it learns more.
    await predictAll(t.app);
    const first = (await storedPredictions(t.app)).get(ids[1]!)![0];
    await label(t.app, ids[1]!, 'Positive');
    await label(t.app, ids[3]!, 'Positive');
    await label(t.app, ids[5]!, 'Negative');
    expect((await train(t.app)).status).toBe('done');
    await predictAll(t.app);
    const second = (await storedPredictions(t.app)).get(ids[1]!)![0];
    expect(second.model_version).not.toBe(first.model_version);
    expect(second.score).not.toBe(first.score);
  });

  it('nothing connected: 0.8\'s message, as a 502 that names each backend\'s problem', async () => {
    await reviewsProject();
    await connect(t.app, example.url);
    await example.close();
    const body = await refusedTraining(502, 'ml_backend_unreachable', "Training is not started: seems that you don't have any ML backend connected");
    expect((body.backends as Record<string, string>).nb).toMatch(/ECONNREFUSED/);
    example = await startExampleBackend();
  });

  it('a training running in the backend (/is_training true, or the last rq job still running): 409', async () => {
    await reviewsProject();
    const busy = await scripted({ ...HEALTHY_LEGACY, 'GET /is_training': { json: { is_training: true, job_id: 'j9', backend: 'redis' } } });
    await connect(t.app, busy.url, 'busy');
    await refusedTraining(409, 'ml_training_running', "Can't start new training: Train job is running.");
    expect(busy.count('/train')).toBe(0);
  });

  it('/is_training answering garbage: 502 "Can\'t validate whether model is training"', async () => {
    await reviewsProject();
    const odd = await scripted({ ...HEALTHY_LEGACY, 'GET /is_training': { text: 'Internal Server Error' } });
    await connect(t.app, odd.url, 'odd');
    await refusedTraining(502, 'ml_backend_failed', "Can't validate whether model is training for project odd: GET is_training?project=odd answered 200 with something that is not JSON: Internal Server Error");
  });

  it('/train refusing (no completions): the job fails with 0.8\'s message and the backend\'s', async () => {
    await reviewsProject();
    await connect(t.app, example.url);
    const job = await train(t.app);
    expect(job).toMatchObject({ status: 'failed', backends: { nb: { status: 'failed' } } });
    expect(job.error).toBe('"nb": Can\'t update model: ML backend returns an error: POST train answered 400: No completions found.');
  });

  it('a legacy backend without /train (label-studio-ml 1.0.8) gets the START_TRAINING webhook', async () => {
    await reviewsProject();
    const late = await scripted({ ...HEALTHY_LEGACY, 'POST /train': { status: 404, json: 'not found' }, 'POST /webhook': { status: 201, json: { status: 'ok' } } });
    await connect(t.app, late.url, 'late');
    const job = await train(t.app);
    expect(job).toMatchObject({ status: 'done', backends: { late: { status: 'trained', protocol: 'legacy without /train (webhook START_TRAINING)' } } });
    expect(late.calls.find((c) => c.path === '/webhook')!.body).toMatchObject({ action: 'START_TRAINING', project: { id: 'late', title: t.project.store.name } });
  });

  it('a queued (rq) training: its job id is kept, /is_training polled until it ends, /job_status asked before the next one', async () => {
    await reviewsProject();
    let polls = 0;
    const rq = await scripted({
      ...HEALTHY_LEGACY,
      'POST /train': { status: 201, json: { job: 'rq-1' } },
      // Still training on the first poll after /train, done on the second.
      'GET /is_training': () => ({ json: { is_training: polls++ === 1, backend: 'redis', model_version: 'v' } }),
      'POST /job_status': { json: { job_status: 'started' } },
    });
    await connect(t.app, rq.url, 'rq');
    const job = await train(t.app);
    expect(job).toMatchObject({ status: 'done', backends: { rq: { status: 'trained', job: 'rq-1' } } });
    expect(rq.count('/is_training')).toBe(3);
    // The remembered job says it still runs: refused before /is_training is asked.
    await refusedTraining(409, 'ml_training_running', "Can't start new training: Train job is running.");
    expect(rq.calls.filter((c) => c.path === '/job_status').map((c) => c.body)).toEqual([{ job: 'rq-1' }]);
  });
});

describe('training a v2 backend', () => {
  it('POST /webhook START_TRAINING with the project; never /train or /is_training; its version moves on', async () => {
    const ids = await reviewsProject();
    const v2 = await startV2Backend();
    extra.push(v2);
    await connect(t.app, v2.url, 'tiny');
    await label(t.app, ids[0]!, 'Positive');
    await predictAll(t.app);
    expect((await storedPredictions(t.app)).get(ids[1]!)![0]).toMatchObject({ model_version: '0.0.1', score: 0.1 });
    const job = await train(t.app);
    expect(job).toMatchObject({ status: 'done', backends: { tiny: { protocol: 'v2 (webhook START_TRAINING)', status: 'trained' } } });
    const hook = v2.calls.find((c) => c.path === '/webhook')!.body;
    expect(hook).toEqual({ action: 'START_TRAINING', project: { id: 'tiny', title: t.project.store.name, label_config: expect.stringContaining('<Choices name="sentiment"') } });
    expect(v2.count('/train') + v2.count('/is_training')).toBe(0);
    await predictAll(t.app);
    expect((await storedPredictions(t.app)).get(ids[1]!)![0]).toMatchObject({ model_version: '0.0.2', score: 0.2 });
  });

  it('a legacy and a v2 backend train in one job; one failing does not stop the other', async () => {
    await reviewsProject();
    const v2 = await startV2Backend();
    extra.push(v2);
    await connect(t.app, example.url); // no completions: its /train answers 400
    await connect(t.app, v2.url, 'tiny');
    const job = await train(t.app);
    expect(job).toMatchObject({ status: 'done', error: null, backends: { nb: { status: 'failed' }, tiny: { status: 'trained' } } });
  });
});

describe('training on its own, and predictions after it', () => {
  it('off by default: completions never start a training', async () => {
    const ids = await reviewsProject();
    await connect(t.app, example.url);
    for (const id of ids.slice(0, 4)) await label(t.app, id, 'Positive');
    await new Promise((r) => setTimeout(r, 100));
    expect(example.count('/train')).toBe(0);
    expect((await request(t.app).get('/api/models/jobs')).body).toEqual({ jobs: [] });
  });

  it('ml_train_every: N new completions start a training (skips and updates do not count)', async () => {
    const ids = await reviewsProject();
    await connect(t.app, example.url);
    await request(t.app).patch('/api/project').send({ ml_train_every: 3 }).expect(201);
    await label(t.app, ids[0]!, 'Positive');
    await request(t.app).post(`/api/tasks/${ids[1]}/completions?was_cancelled=1`).send({ result: [] }).expect(201);
    const { body } = await request(t.app).post(`/api/tasks/${ids[2]}/completions`).send(choiceCompletion('Positive')).expect(201);
    await request(t.app).post(`/api/tasks/${ids[2]}/completions`).send({ ...choiceCompletion('Negative'), id: body.id }).expect(201); // an update
    await new Promise((r) => setTimeout(r, 100));
    expect(example.count('/train')).toBe(0);
    await label(t.app, ids[4]!, 'Negative');
    const deadline = Date.now() + 5000;
    let jobs: { type: string; trigger: string; id: string }[] = [];
    while (jobs.length === 0 && Date.now() < deadline) {
      jobs = (await request(t.app).get('/api/models/jobs')).body.jobs;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(jobs).toMatchObject([{ type: 'train', trigger: 'auto-train' }]);
    expect((await waitForJob(t.app, jobs[0]!.id)).status).toBe('done');
    // Every completions file is sent, the skipped task's too (the backend leaves it out).
    expect(example.calls.find((c) => c.path === '/train')!.body.completions.map((i: { id: number }) => i.id)).toEqual([ids[0], ids[1], ids[2], ids[4]]);
  });

  it('ml_refresh_after_training: the unlabeled tasks are predicted again after a training', async () => {
    const ids = await reviewsProject();
    await connect(t.app, example.url);
    await request(t.app).patch('/api/project').send({ ml_refresh_after_training: true }).expect(201);
    await label(t.app, ids[0]!, 'Positive');
    await label(t.app, ids[4]!, 'Negative');
    const job = await train(t.app);
    expect(job.refresh_job).toEqual(expect.any(String));
    const refresh = await waitForJob(t.app, job.refresh_job);
    expect(refresh).toMatchObject({ type: 'predict', trigger: 'after-training', mode: 'unlabeled_tasks', status: 'done', total: REVIEWS.length - 2, predicted: REVIEWS.length - 2 });
    const stored = await storedPredictions(t.app);
    expect(stored.get(ids[0]!)).toEqual([]);
    expect(stored.get(ids[4]!)).toEqual([]);
    for (const id of ids.filter((_, i) => i !== 0 && i !== 4)) expect(stored.get(id)).toHaveLength(1);
  });

  it('a training already running in this server: 409, the running job named', async () => {
    await reviewsProject({ ML_TIMEOUT_TRAIN: '5' });
    const slow = await scripted({ ...HEALTHY_LEGACY, 'POST /train': 'hang' });
    await connect(t.app, slow.url, 'slow');
    const first = await request(t.app).post('/api/models/train');
    expect(first.status).toBe(200);
    const body = await refusedTraining(409, 'ml_training_running', "Can't start new training: Train job is running.");
    expect((body.job as { id: string }).id).toBe(first.body.job.id);
    await request(t.app).delete(`/api/models/jobs/${first.body.job.id}`).expect(200);
  });

  it('a training job cut short by a timeout reports it', async () => {
    await reviewsProject({ ML_TIMEOUT_TRAIN: '0.3' });
    const slow = await scripted({ ...HEALTHY_LEGACY, 'POST /train': 'hang' });
    await connect(t.app, slow.url, 'slow');
    const job = await train(t.app);
    expect(job).toMatchObject({ status: 'failed', error: '"slow": Can\'t update model: ML backend returns an error: POST train: no answer within 0.3 s' });
  });

  it('a server whose port is closed counts as not connected', async () => {
    t = await makeTestApp({}, async (dir) => {
      const { mkdir, writeFile } = await import('node:fs/promises');
      await mkdir(dir, { recursive: true });
      await writeFile(`${dir}/config.json`, JSON.stringify({ ml_backends: [{ url: `http://127.0.0.1:${await freePort()}`, name: 'gone' }] }));
    });
    await refusedTraining(502, 'ml_backend_unreachable', /^Training is not started/);
  });
});

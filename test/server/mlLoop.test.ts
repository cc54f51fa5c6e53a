// The active-learning loop 0.8 advertised, end to end: the real server (src/server.ts as
// a process) and the example ML backend (a real HTTP server on 127.0.0.1). Import, predict
// all, label some through the label stream, train, predict again: the scores change, and
// with prediction-score-min sampling and ml_refresh_after_training, each training
// re-scores the unlabeled tasks and the stream serves the least certain one next.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, waitForExit, type RunningServer } from '../helpers/server.ts';
import { startExampleBackend, type RunningBackend } from '../helpers/mlBackends.ts';
import { REVIEWS } from '../http/mlSupport.ts';

let server: RunningServer;
let backend: RunningBackend;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ls-ml-loop-'));
  backend = await startExampleBackend();
  server = await startServer({ PROJECTS_DIR: root });
});
afterAll(async () => {
  server.proc.kill('SIGTERM');
  await waitForExit(server.proc);
  await backend.close();
  await rm(root, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.base}${path}`, { method, ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function job(started: { status: number; body: any }): Promise<any> {
  expect(started.status, JSON.stringify(started.body)).toBeLessThan(300);
  for (;;) {
    const { body } = await api('GET', `/api/models/jobs/${started.body.job.id}`);
    if (body.status !== 'queued' && body.status !== 'running') return body;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Unlabeled tasks' stored score, by id. */
async function scores(): Promise<Map<number, { score: number; version: string; label: string }>> {
  const { body } = await api('GET', '/api/tasks?page_size=1000');
  const out = new Map<number, { score: number; version: string; label: string }>();
  for (const t of body as any[]) {
    const p = t.predictions?.[0];
    if (!t.completions && p) out.set(t.id, { score: p.score, version: p.model_version, label: p.result[0].value.choices[0] });
  }
  return out;
}

const truth = new Map(REVIEWS.map(([text, sentiment]) => [text, sentiment]));

/** An annotator takes the next task from the stream and labels it with its true sentiment. */
async function annotate(annotator: string): Promise<{ id: number; predicted?: string }> {
  const next = await api('GET', `/api/project/next?annotator=${annotator}`);
  expect(next.status).toBe(200);
  const sentiment = truth.get(next.body.data.text)!;
  const saved = await api('POST', `/api/tasks/${next.body.id}/completions`, {
    result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [sentiment] } }],
  });
  expect(saved.status).toBe(201);
  return { id: next.body.id, predicted: next.body.predictions?.[0]?.result[0].value.choices[0] };
}

it('import, predict all, label some, train, predict again: the scores change, and the stream follows the model', async () => {
  // Import, and connect the example backend.
  const imported = await api('POST', '/api/project/import', REVIEWS.map(([text]) => ({ text })));
  expect(imported.status).toBe(201);
  expect((await api('POST', '/api/models', { name: 'nb', url: backend.url })).status).toBe(201);

  // Predict all: the model has not learnt anything yet, so nothing is stored.
  const untrained = await job(await api('POST', '/api/models/predictions?mode=all_tasks'));
  expect(untrained).toMatchObject({ status: 'done', total: REVIEWS.length, predicted: 0 });

  // Label some through the label stream (sequential: tasks 0 and 1, both positive) and
  // one negative by id, then train.
  await annotate('alice');
  await annotate('alice');
  const negative = REVIEWS.findIndex(([, s]) => s === 'Negative');
  await api('POST', `/api/tasks/${negative}/completions`, { result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Negative'] } }] });
  expect(await job(await api('POST', '/api/models/train'))).toMatchObject({ status: 'done', backends: { nb: { status: 'trained' } } });

  // Predict all again: every task has a prediction from the trained model.
  expect(await job(await api('POST', '/api/models/predictions?mode=all_tasks'))).toMatchObject({ status: 'done', predicted: REVIEWS.length });
  const first = await scores();
  expect(first.size).toBe(REVIEWS.length - 3);
  const v1 = [...first.values()][0]!.version;

  // The active-learning loop: the least certain task first, predictions refreshed after
  // each training.
  expect((await api('PATCH', '/api/project', { sampling: 'prediction-score-min', ml_refresh_after_training: true })).status).toBe(201);
  const leastCertain = [...first].reduce((a, b) => (b[1].score < a[1].score ? b : a))[0];
  const taken = await annotate('bob');
  expect(taken.id).toBe(leastCertain);
  expect(taken.predicted).toBe(first.get(leastCertain)!.label);
  await annotate('bob');

  const training = await job(await api('POST', '/api/models/train'));
  expect(training.status).toBe('done');
  const refresh = await job({ status: 200, body: { job: { id: training.refresh_job } } });
  expect(refresh).toMatchObject({ trigger: 'after-training', status: 'done', predicted: REVIEWS.length - 5 });

  // Scores changed with what the model learnt, and the model version with them.
  const second = await scores();
  expect(second.size).toBe(REVIEWS.length - 5);
  let changed = 0;
  for (const [id, s] of second) {
    expect(s.version).not.toBe(v1);
    if (s.score !== first.get(id)!.score) changed++;
  }
  expect(changed).toBe(second.size);
  // The stream follows the new scores.
  const lowest = [...second].reduce((a, b) => (b[1].score < a[1].score ? b : a))[0];
  expect((await api('GET', '/api/project/next?annotator=carol')).body.id).toBe(lowest);
  // Five completions reached the model through /train, both keys of the protocol.
  const lastTrain = backend.calls.filter((c) => c.path === '/train').at(-1)!.body;
  expect(lastTrain.completions).toHaveLength(5);
  expect(lastTrain.annotations).toEqual(lastTrain.completions);
});

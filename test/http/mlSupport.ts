// Shared steps of the ML backend HTTP tests.
import request from 'supertest';
import type { Express } from 'express';
import { expect } from 'vitest';
import { choiceCompletion } from './support.ts';

/** Connects a backend through POST /api/models; returns the answer's body. */
export async function connect(app: Express, url: string, name = 'nb'): Promise<Record<string, unknown>> {
  const res = await request(app).post('/api/models').send({ name, url });
  expect(res.status, res.text).toBe(201);
  return res.body as Record<string, unknown>;
}

export interface JobView {
  id: string;
  type: string;
  status: string;
  error: string | null;
  [key: string]: any;
}

/** Polls GET /api/models/jobs/<id> until the job has finished. */
export async function waitForJob(app: Express, id: string, timeoutMs = 20_000): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(app).get(`/api/models/jobs/${id}`);
    expect(res.status, res.text).toBe(200);
    if (res.body.status !== 'queued' && res.body.status !== 'running') return res.body as JobView;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${res.body.status}: ${res.text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts a prediction job (all_tasks, or the ids) and waits for it. */
export async function predictAll(app: Express, ids?: number[]): Promise<JobView> {
  const path = ids ? `/api/models/predictions?mode=specific_tasks&task_ids=${ids.join(',')}` : '/api/models/predictions?mode=all_tasks';
  const res = await request(app).post(path);
  expect(res.status, res.text).toBe(202);
  expect(res.headers.location).toBe(`/api/models/jobs/${res.body.job.id}`);
  return waitForJob(app, res.body.job.id);
}

/** Starts a training and waits for it. */
export async function train(app: Express): Promise<JobView> {
  const res = await request(app).post('/api/models/train');
  expect(res.status, res.text).toBe(200);
  expect(res.body.details).toBe('Training started');
  return waitForJob(app, res.body.job.id);
}

export async function label(app: Express, id: number, choice: string): Promise<void> {
  await request(app).post(`/api/tasks/${id}/completions`).send(choiceCompletion(choice)).expect(201);
}

/** The stored predictions of every task, by id (GET /api/tasks shows stored ones only). */
export async function storedPredictions(app: Express): Promise<Map<number, any[]>> {
  const res = await request(app).get('/api/tasks?page_size=100000');
  expect(res.status).toBe(200);
  return new Map((res.body as { id: number; predictions?: any[] }[]).map((t) => [t.id, t.predictions ?? []]));
}

/** Texts a naive-Bayes model can learn sentiment from. */
export const REVIEWS: [string, 'Positive' | 'Negative'][] = [
  ['great food and great staff', 'Positive'],
  ['lovely place, great coffee', 'Positive'],
  ['friendly staff, lovely view', 'Positive'],
  ['great value, would come again', 'Positive'],
  ['awful service and cold food', 'Negative'],
  ['rude staff, awful coffee', 'Negative'],
  ['cold soup, never again', 'Negative'],
  ['dirty tables and rude waiter', 'Negative'],
];

// Shared pieces of the HTTP tests: fixture folders, small request helpers and the
// "bad input changes nothing" check (tasks list, project counts and every file of the
// project folder are compared before and after the request).
import { cp, readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import type { Express } from 'express';
import { expect } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { ERROR_CATALOGUE, type ErrorCode } from '../../src/errors.ts';
import { openPostgresStore } from '../../src/storage/postgres/index.ts';

export const FIXTURES = fileURLToPath(new URL('../fixtures/ls082-projects/', import.meta.url));

export type Ls082Fixture = 'text-sentiment-before-ml' | 'text-sentiment' | 'image-multisession';

/** An app serving a copy of one of the folders 0.8.2 wrote; `change` may edit the copy before it is opened. */
export function appOnFixture(name: Ls082Fixture, overrides: Parameters<typeof makeTestApp>[0] = {}, change?: (dir: string) => Promise<void>): Promise<TestApp> {
  return makeTestApp(overrides, async (dir) => {
    await cp(join(FIXTURES, name), dir, { recursive: true });
    await change?.(dir);
  });
}

/** The default project's config (Text "text" + Choices "sentiment"). */
export const SENTIMENT_CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="Positive"/>
    <Choice value="Negative"/>
    <Choice value="Neutral"/>
  </Choices>
</View>
`;

/** A completion as the labeling page posts it. */
export function choiceCompletion(choice: string, leadTime = 1.5, id = 'r1'): Record<string, unknown> {
  return {
    lead_time: leadTime,
    result: [{ id, from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [choice] } }],
  };
}

export function choiceResult(choice: string, id = 'r1'): Record<string, unknown> {
  return { id, from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [choice] } };
}

/** Imports texts as bare tasks; returns the new ids. */
export async function importTexts(app: Express, texts: string[]): Promise<number[]> {
  const res = await request(app).post('/api/project/import').send(texts.map((text) => ({ text })));
  expect(res.status).toBe(201);
  return res.body.new_task_ids as number[];
}

/** Every file of a folder, path → content (base64 so binary files compare too). */
export async function folderFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  // None with PostgreSQL: the project is in the database (its state is compared through the API).
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  for (const e of entries) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath, e.name);
    out[relative(dir, full)] = (await readFile(full)).toString('base64');
  }
  return out;
}

export interface Snapshot {
  tasks: unknown;
  completions: unknown;
  counts: { task_count: unknown; completion_count: unknown };
  project: unknown;
  files: Record<string, string>;
}

/** Credentials for the reads of a snapshot when the app has a password. */
export type Credentials = [user: string, password: string];

/** What a bad request must leave as it was. */
export async function snapshot(t: TestApp, auth?: Credentials): Promise<Snapshot> {
  const get = (path: string) => (auth ? request(t.app).get(path).auth(...auth) : request(t.app).get(path));
  const tasks = await get('/api/tasks?page_size=1000');
  expect(tasks.status).toBe(200);
  const project = await get('/api/project');
  expect(project.status).toBe(200);
  const completions = await get('/api/completions');
  expect(completions.status).toBe(200);
  return {
    tasks: tasks.body,
    completions: completions.body,
    counts: { task_count: project.body.task_count, completion_count: project.body.completion_count },
    project: project.body,
    files: await folderFiles(t.dir),
  };
}

export async function expectUnchanged(t: TestApp, before: Snapshot, what: string, auth?: Credentials): Promise<void> {
  const after = await snapshot(t, auth);
  expect(after.counts, `${what}: counts`).toEqual(before.counts);
  expect(after.tasks, `${what}: task list`).toEqual(before.tasks);
  expect(after.completions, `${what}: completed ids`).toEqual(before.completions);
  expect(after.project, `${what}: project`).toEqual(before.project);
  expect(Object.keys(after.files).sort(), `${what}: file names`).toEqual(Object.keys(before.files).sort());
  for (const [name, content] of Object.entries(before.files)) {
    expect(after.files[name], `${what}: ${name} changed`).toBe(content);
  }
}

/** One row of a bad-request table. */
export interface BadCase {
  name?: string;
  method: 'get' | 'post' | 'patch' | 'delete' | 'put';
  path: string;
  /** A string is sent as is with `type`; anything else as JSON. */
  body?: unknown;
  type?: string;
  status: number;
  /**
   * Fields the error body must have, beside the status, code and detail every error body
   * has (checked by expectErrorShape); a list is the errors field of an import error.
   */
  expected?: unknown;
  /** The catalogue code expected. */
  code?: ErrorCode;
  /** A pattern the raw body must match (for text replies). */
  text?: RegExp;
  /** Response headers that must have these values (lower-case names). */
  responseHeaders?: Record<string, string>;
  headers?: Record<string, string>;
}

export function send(app: Express, c: Pick<BadCase, 'method' | 'path' | 'body' | 'type' | 'headers'>) {
  let req = request(app)[c.method](c.path);
  for (const [k, v] of Object.entries(c.headers ?? {})) req = req.set(k, v);
  if (c.body !== undefined) {
    if (typeof c.body === 'string') req = req.set('Content-Type', c.type ?? 'application/json').send(c.body);
    else req = req.send(c.body as object);
  }
  return req;
}

/**
 * Runs each bad request against the app and checks: the expected 4xx status and body,
 * never a 5xx, and nothing changed (tasks, counts, completions, files).
 */
export async function expectRejected(t: TestApp, cases: BadCase[], auth?: Credentials): Promise<void> {
  for (const c of cases) {
    const label = c.name ?? `${c.method.toUpperCase()} ${c.path} ${typeof c.body === 'string' ? c.body.slice(0, 200) : JSON.stringify(c.body ?? '')}`;
    const before = await snapshot(t, auth);
    const res = await send(t.app, c);
    expect(res.status, `${label}: status (body ${res.text})`).toBe(c.status);
    expect(res.status, label).toBeLessThan(500);
    expect(res.text, `${label}: no traceback`).not.toMatch(/traceback|at .*\.ts:\d+/i);
    expectErrorShape(res, label);
    if (c.code !== undefined) expect(res.body.code, `${label}: code`).toBe(c.code);
    // A list is what 0.8 sent for import errors: now the errors field of the same shape.
    if (Array.isArray(c.expected)) expect(res.body.errors, `${label}: errors`).toEqual(c.expected);
    else if (c.expected !== undefined) expect(res.body, `${label}: body`).toMatchObject(c.expected as object);
    if (c.text !== undefined) expect(res.text, `${label}: text`).toMatch(c.text);
    for (const [name, value] of Object.entries(c.responseHeaders ?? {})) expect(res.headers[name], `${label}: ${name}`).toBe(value);
    await expectUnchanged(t, before, label, auth);
  }
}

/**
 * Every error answer has one shape: {"status", "code", "detail", ...}, the status that of
 * the response, the code one of the catalogue with that status.
 */
export function expectErrorShape(res: { status: number; body: unknown; headers: Record<string, string> }, label = 'error'): void {
  expect(res.headers['content-type'], `${label}: JSON`).toMatch(/^application\/json/);
  const body = res.body as { status?: unknown; code?: unknown; detail?: unknown };
  expect(body.status, `${label}: status field`).toBe(res.status);
  expect(typeof body.detail, `${label}: detail field`).toBe('string');
  expect(Object.keys(ERROR_CATALOGUE), `${label}: code ${String(body.code)} in the catalogue`).toContain(body.code);
  expect(ERROR_CATALOGUE[body.code as ErrorCode].status, `${label}: status of ${String(body.code)}`).toBe(res.status);
}

/** A multipart/form-data body with text fields, for rows of a bad-request table. */
export function multipartBody(fields: Record<string, string>, boundary = 'test-boundary-7f3a'): { body: string; type: string } {
  const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  return { body: `${parts.join('')}--${boundary}--\r\n`, type: `multipart/form-data; boundary=${boundary}` };
}

/** completed_at as the server formats it: local time, YYYY-MM-DD HH:MM:SS. */
export function localStamp(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * What the project holds as its files would show it: read from the folder (checkpointed
 * on close) with the folder engine, through a store of its own with PostgreSQL (which has
 * no files). Works whether t's store is open or closed.
 */
export interface Saved {
  labelConfig: string;
  settings: Record<string, unknown>;
  /** tasks.json: {"<id>": task} */
  tasks: Record<string, unknown>;
  /** completions/<id>.json, parsed, by task id. */
  completions: Record<string, unknown>;
}

export async function saved(t: TestApp): Promise<Saved> {
  if (t.engine === 'folder') {
    const completions: Record<string, unknown> = {};
    const names = await readdir(join(t.dir, 'completions')).catch(() => [] as string[]);
    for (const n of names) completions[n.replace(/\.json$/, '')] = JSON.parse(await readFile(join(t.dir, 'completions', n), 'utf8'));
    return {
      labelConfig: await readFile(join(t.dir, 'config.xml'), 'utf8'),
      settings: JSON.parse(await readFile(join(t.dir, 'config.json'), 'utf8')),
      // No tasks.json yet (a folder made without one, never checkpointed): no tasks.
      tasks: JSON.parse(await readFile(join(t.dir, 'tasks.json'), 'utf8').catch(() => '{}')),
      completions,
    };
  }
  const store = await openPostgresStore({ url: t.settings.STORE_URL, project: t.settings.PROJECT, reservationMs: 1000 });
  try {
    const { settings, labelConfig } = await store.config();
    const tasks: Record<string, unknown> = {};
    const completions: Record<string, unknown> = {};
    for (const { task, file } of await store.page('id', 0, 1_000_000)) {
      tasks[task.id] = task;
      if (file) completions[task.id] = file;
    }
    return { labelConfig, settings, tasks, completions };
  } finally {
    await store.close();
  }
}

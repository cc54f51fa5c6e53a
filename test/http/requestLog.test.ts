// One log line a request: "METHOD /path STATUS Nms[ summary][: reason]" with the request
// id (also sent as X-Request-Id), 5xx at error, headers only at debug and without secrets.
// The app logs into a pino destination stream here, as server.ts's logger would to stdout.
import { Writable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { testSettings } from '../../src/settings.ts';
import { openProjectContext } from '../../src/projects.ts';
import type { ProjectContext } from '../../src/services/context.ts';
import { requestLog } from '../../src/http/requestLog.ts';
import { errorHandler } from '../../src/http/errors.ts';

type Line = { level: number; msg: string; reqId?: string; code?: string; headers?: Record<string, string>; err?: { message: string; stack: string } };

const INFO = 30;
const ERROR = 50;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** A logger whose JSON lines land in `lines`. */
function capture(level: string): { logger: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

async function appLoggingAt(level: string) {
  const root = await mkdtemp(join(tmpdir(), 'ls-reqlog-'));
  const settings = testSettings({ PROJECTS_DIR: root, LOG_LEVEL: level });
  const { logger, lines } = capture(level);
  const project: ProjectContext = await openProjectContext(settings, logger);
  cleanup = async () => {
    await project.store.close();
    await rm(root, { recursive: true, force: true });
  };
  return { app: createApp({ settings, logger, project, deprecatedRoutes: true }), lines };
}

/** The lines about one request, found by the id the client was sent. */
function linesOf(lines: Line[], res: request.Response): Line[] {
  const id = res.headers['x-request-id'];
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  return lines.filter((l) => l.reqId === id);
}

describe('request log', () => {
  it('a 201 import: one info line with the task count and the request id, no headers', async () => {
    const { app, lines } = await appLoggingAt('info');
    const tasks = Array.from({ length: 1000 }, (_, i) => ({ text: `t${i}` }));
    const res = await request(app).post('/api/project/import').set('Authorization', 'Basic c2VjcmV0').send(tasks);
    expect(res.status).toBe(201);
    const mine = linesOf(lines, res);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.level).toBe(INFO);
    expect(mine[0]!.msg).toMatch(/^POST \/api\/project\/import 201 \d+ms 1000 tasks$/);
    expect(mine[0]!.headers).toBeUndefined();
    expect(JSON.stringify(lines)).not.toContain('c2VjcmV0');
  });

  it('a 404: the line gives the reason', async () => {
    const { app, lines } = await appLoggingAt('info');
    const res = await request(app).get('/api/nowhere?token=abc');
    expect(res.status).toBe(404);
    const mine = linesOf(lines, res);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.level).toBe(INFO);
    // The path without its query string, which may carry names or tokens.
    expect(mine[0]!.msg).toMatch(/^GET \/api\/nowhere 404 \d+ms: No route GET \/api\/nowhere$/);
  });

  it("a 400: the line gives the reason and the error's code, and nothing is logged as an error", async () => {
    const { app, lines } = await appLoggingAt('info');
    const res = await request(app).get('/api/tasks/abc');
    expect(res.status).toBe(400);
    const mine = linesOf(lines, res);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ level: INFO, code: 'bad_id' });
    expect(mine[0]!.msg).toMatch(/^GET \/api\/tasks\/abc 400 \d+ms: task id must be a non-negative integer, got "abc"$/);
    expect(lines.filter((l) => l.level >= ERROR)).toEqual([]);
  });

  it('a deprecated route is logged under the path the client used', async () => {
    const { app, lines } = await appLoggingAt('info');
    const res = await request(app).post('/api/import').send([{ text: 'a' }]);
    expect(res.status).toBe(201);
    expect(linesOf(lines, res)[0]!.msg).toMatch(/^POST \/api\/import 201 \d+ms 1 task$/);
  });

  it('at debug the line carries the headers, authorization and cookie hidden', async () => {
    const { app, lines } = await appLoggingAt('debug');
    const res = await request(app).get('/api/health').set('Authorization', 'Basic c2VjcmV0').set('Cookie', 'annotator=alice').set('X-Trace', 'yes');
    const mine = linesOf(lines, res);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.msg).toMatch(/^GET \/api\/health 200 \d+ms$/);
    expect(mine[0]!.headers).toMatchObject({ authorization: '[Redacted]', cookie: '[Redacted]', 'x-trace': 'yes' });
    expect(JSON.stringify(lines)).not.toContain('c2VjcmV0');
    expect(JSON.stringify(lines)).not.toContain('alice');
  });

  it("a 500 is logged at error with the exception's message, its stack on a line with the same id", async () => {
    const { logger, lines } = capture('info');
    const app = express();
    app.use(requestLog(app, logger));
    app.get('/boom', () => {
      throw new TypeError('a bug');
    });
    app.use(errorHandler(() => '/tmp'));
    const res = await request(app).get('/boom');
    expect(res.status).toBe(500);
    expect(res.body.request_id).toBe(res.headers['x-request-id']);
    const mine = linesOf(lines, res);
    expect(mine).toHaveLength(2);
    expect(mine[0]).toMatchObject({ level: ERROR, msg: 'unhandled error', err: { message: 'a bug' } });
    expect(mine[0]!.err!.stack).toContain('TypeError: a bug');
    expect(mine[1]!.level).toBe(ERROR);
    expect(mine[1]!.msg).toMatch(/^GET \/boom 500 \d+ms: TypeError: a bug$/);
  });
});

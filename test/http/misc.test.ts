// GET /version, GET /api/health, routing rules shared by every endpoint: trailing
// slashes, 405 with Allow for a wrong method (0.8 answered GETs on such routes with
// 404), unknown routes, basic auth (health stays open).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { readFileSync } from 'node:fs';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { expectRejected, importTexts, type BadCase } from './support.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

describe('misc endpoints', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('GET /version reports our backend version and the frontend package the labeling page loads', async () => {
    const res = await request(t.app).get('/version');
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/json');
    expect(res.body).toEqual({ 'label-studio-backend': pkg.version, server: pkg.name, 'label-studio-frontend': { package: 'label-studio', version: '0.9.1' } });
    const slash = await request(t.app).get('/version/');
    expect(slash.status).toBe(200);
    expect(slash.body).toEqual(res.body);
  });

  it('GET /api/health answers {"status": "up"} as JSON', async () => {
    for (const path of ['/api/health', '/api/health/']) {
      const res = await request(t.app).get(path);
      expect(res.status).toBe(200);
      expect(res.type).toBe('application/json');
      expect(res.body).toEqual({ status: 'up' });
    }
  });

  it('HEAD and OPTIONS are answered', async () => {
    const head = await request(t.app).head('/api/health');
    expect(head.status).toBe(200);
    const options = await request(t.app).options('/api/tasks');
    expect(options.status).toBe(200);
    expect(options.headers.allow).toBe('GET, HEAD, DELETE, OPTIONS');
    expect(options.text).toBe('');
  });

  it('a wrong method is 405 with Allow, also for GET on a route without GET', async () => {
    const cases: [string, string, string][] = [
      ['put', '/api/tasks', 'GET, HEAD, DELETE'],
      ['post', '/api/tasks', 'GET, HEAD, DELETE'],
      ['delete', '/api/project', 'GET, HEAD, POST, PATCH'],
      ['get', '/api/project/import', 'POST'],
      ['get', '/api/validate-config', 'POST'],
      ['get', '/api/project/config', 'POST'],
      ['post', '/version', 'GET, HEAD'],
      ['delete', '/api/health', 'GET, HEAD'],
      ['put', '/api/tasks/0', 'GET, HEAD, PATCH, POST, DELETE'],
      ['get', '/api/tasks/0/completions/1', 'PATCH, DELETE'],
      ['post', '/api/completions', 'GET, HEAD, DELETE'],
      ['post', '/api/project/next', 'GET, HEAD'],
      ['post', '/api/project/export', 'GET, HEAD'],
    ];
    await importTexts(t.app, ['a']);
    await request(t.app).post('/api/tasks/0/completions').send({ result: [] }).expect(201);
    await expectRejected(
      t,
      cases.map(([method, path, allow]) => ({
        method: method as BadCase['method'],
        path,
        body: method === 'get' ? undefined : { result: [] },
        status: 405,
        expected: { status: 405, detail: `Method ${method.toUpperCase()} is not allowed here; use ${allow}` },
        responseHeaders: { allow },
      })),
    );
  });

  it('wrong methods, unknown routes and bad JSON change nothing', async () => {
    await expectRejected(t, [
      { method: 'put', path: '/api/tasks', body: [{ text: 'x' }], status: 405 },
      { method: 'post', path: '/api/tasks', body: [{ text: 'x' }], status: 405 },
      { method: 'delete', path: '/api/project', status: 405 },
      { method: 'get', path: '/api/nothing-here', status: 404, expected: { status: 404, detail: 'No route GET /api/nothing-here' } },
      { method: 'post', path: '/api/nothing-here', body: { a: 1 }, status: 404, expected: { status: 404, detail: 'No route POST /api/nothing-here' } },
      { method: 'post', path: '/api/nothing-here', body: '{bad', status: 400 },
    ]);
  });
});

describe('basic auth', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp({ AUTH_PASSWORD: 'secret1' });
  });
  afterEach(async () => {
    await t.close();
  });

  it('asks for credentials everywhere but /api/health', async () => {
    for (const path of ['/api/health', '/api/health/']) {
      const open = await request(t.app).get(path);
      expect(open.status, path).toBe(200);
      expect(open.body).toEqual({ status: 'up' });
    }
    for (const path of ['/version', '/api/project', '/api/tasks']) {
      const res = await request(t.app).get(path);
      expect(res.status, path).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="Login Required"');
      expect(res.body).toEqual({ status: 401, code: 'unauthorized', detail: 'Could not verify your access level for that URL. You have to login with proper credentials' });
    }
    const wrong = await request(t.app).get('/api/project').auth('ls', 'nope');
    expect(wrong.status).toBe(401);
    const wrongUser = await request(t.app).get('/api/project').auth('admin', 'secret1');
    expect(wrongUser.status).toBe(401);
    const ok = await request(t.app).get('/api/project').auth('ls', 'secret1');
    expect(ok.status).toBe(200);
    expect(ok.body.task_count).toBe(0);
  });

  it('unauthenticated or wrongly authenticated writes change nothing', async () => {
    await request(t.app).post('/api/project/import').auth('ls', 'secret1').send([{ text: 'x' }]).expect(201);
    const denied = { status: 401, detail: 'Could not verify your access level for that URL. You have to login with proper credentials' };
    const wrong = { Authorization: `Basic ${Buffer.from('ls:wrong').toString('base64')}` };
    await expectRejected(
      t,
      [
        { method: 'post', path: '/api/project/import', body: [{ text: 'y' }], status: 401, expected: denied },
        { method: 'post', path: '/api/tasks/0/completions', body: { result: [] }, status: 401, expected: denied, headers: wrong },
        { method: 'delete', path: '/api/tasks', status: 401, expected: denied, headers: { Authorization: 'Bearer secret1' } },
        { method: 'patch', path: '/api/project', body: { title: 'x' }, status: 401, expected: denied, headers: { Authorization: 'Basic !!!' } },
      ],
      ['ls', 'secret1'],
    );
  });
});

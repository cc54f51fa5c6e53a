// Registering ML backends: POST/GET/DELETE /api/models, 0.8's PATCH /api/project
// {"ml_backend"} and its deprecated remove route, against the real example backend; a
// backend that is down or answers garbage is refused with a 5xx that says why, and every
// refused request leaves the project as it was.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { freePort } from '../helpers/server.ts';
import { HEALTHY_LEGACY, startExampleBackend, startScriptedBackend, startV2Backend, type RunningBackend, type ScriptedBackend } from '../helpers/mlBackends.ts';
import { expectErrorShape, expectRejected, expectUnchanged, send, snapshot, type BadCase, saved } from './support.ts';
import { connect } from './mlSupport.ts';

let example: RunningBackend;
let v2: ScriptedBackend;
let garbage: ScriptedBackend;
beforeAll(async () => {
  [example, v2, garbage] = await Promise.all([startExampleBackend(), startV2Backend(), startScriptedBackend({ 'GET /health': { text: '<html>It works!</html>' } })]);
});
afterAll(async () => {
  await Promise.all([example.close(), v2.close(), garbage.close()]);
});

// config.json as saved (a store of its own on PostgreSQL).
const configJson = async (t: TestApp) => (await saved(t)).settings as Record<string, any>;

describe('/api/models', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  it('POST connects a backend after its health check, GET lists it, DELETE removes it', async () => {
    t = await makeTestApp();
    expect((await request(t.app).get('/api/models')).body).toEqual({ models: [] });
    const health = example.count('/health');
    const added = await connect(t.app, example.url);
    expect(added).toEqual({ name: 'nb', url: example.url, connected: true, detected_protocol: 'legacy', model_version: null });
    expect(example.count('/health')).toBe(health + 1);
    expect((await configJson(t)).ml_backends).toEqual([{ url: example.url, name: 'nb' }]);
    await connect(t.app, v2.url, 'tiny');
    const list = await request(t.app).get('/api/models');
    expect(list.body).toEqual({ models: ['nb', 'tiny'] });

    const details = await request(t.app).get('/api/models?details=1');
    expect(details.body).toEqual({
      models: [
        { name: 'nb', url: example.url, connected: true, protocol: 'legacy', model_version: null, is_training: false, error: null },
        { name: 'tiny', url: v2.url, connected: true, protocol: 'v2', dir: 'TinyV2', model_version: '0.0.1', is_training: false, error: null },
      ],
    });

    expect((await request(t.app).delete('/api/models').send({ name: 'nb' })).status).toBe(204);
    expect((await request(t.app).delete('/api/models?name=tiny')).status).toBe(204);
    expect((await configJson(t)).ml_backends).toEqual([]);
  });

  it('lists a backend that is down (from config.json) without contacting anything, and says so in details', async () => {
    const port = await freePort();
    t = await makeTestApp({}, async (dir) => {
      const { mkdir, writeFile } = await import('node:fs/promises');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'config.json'), JSON.stringify({ ml_backends: [{ url: `http://127.0.0.1:${port}`, name: 'gone', extra: 'kept' }, { name: 'broken' }] }));
    });
    expect((await request(t.app).get('/api/models')).body).toEqual({ models: ['gone'] });
    const details = await request(t.app).get('/api/models?details=1');
    expect(details.body.models).toMatchObject([{ name: 'gone', connected: false, is_training: false }]);
    expect(details.body.models[0].error).toMatch(/ECONNREFUSED/);
    // A new entry keeps the others as they were, unknown keys included.
    await connect(t.app, example.url);
    expect((await configJson(t)).ml_backends).toEqual([{ url: `http://127.0.0.1:${port}`, name: 'gone', extra: 'kept' }, { name: 'broken' }, { url: example.url, name: 'nb' }]);
  });

  it('credentials for a backend are sent to it and never shown back', async () => {
    t = await makeTestApp();
    const guarded = await startScriptedBackend(HEALTHY_LEGACY);
    try {
      const res = await request(t.app).post('/api/models').send({ name: 'secure', url: guarded.url, basic_auth_user: 'ml', basic_auth_pass: 's3cret' });
      expect(res.status).toBe(201);
      expect(JSON.stringify(res.body)).not.toContain('s3cret');
      expect(guarded.calls[0]!.headers.authorization).toBe(`Basic ${Buffer.from('ml:s3cret').toString('base64')}`);
      const project = await request(t.app).get('/api/project');
      expect(JSON.stringify(project.body)).not.toContain('s3cret');
      expect(project.body.config.ml_backends).toEqual([{ url: guarded.url, name: 'secure', basic_auth_user: 'ml' }]);
      expect((await configJson(t)).ml_backends[0].basic_auth_pass).toBe('s3cret');
    } finally {
      await guarded.close();
    }
  });

  it('bad input, a taken name, a backend down or answering garbage: a clear error, nothing changed', async () => {
    t = await makeTestApp();
    await connect(t.app, example.url);
    const down = `http://127.0.0.1:${await freePort()}`;
    await expectRejected(t, [
      { method: 'post', path: '/api/models', body: { name: 'x', url: 'not a url' }, status: 400, code: 'invalid_ml_backend', expected: { detail: 'Specified string "not a url" doesn\'t look like URL.' } },
      { method: 'post', path: '/api/models', body: { name: 'x', url: 'ftp://h/x' }, status: 400, code: 'invalid_ml_backend' },
      { method: 'post', path: '/api/models', body: { name: 'x', url: 'http://u:p@127.0.0.1:1' }, status: 400, code: 'invalid_ml_backend', expected: { detail: expect.stringMatching(/basic_auth_user/) } },
      { method: 'post', path: '/api/models', body: { name: '../etc', url: example.url }, status: 400, code: 'invalid_ml_backend' },
      { method: 'post', path: '/api/models', body: { name: 'x', url: example.url, protocol: 'v3' }, status: 400, code: 'invalid_ml_backend' },
      { method: 'post', path: '/api/models', body: { name: 'x', url: example.url, colour: 'red' }, status: 400, code: 'invalid_ml_backend' },
      { method: 'post', path: '/api/models', body: { name: 'x', url: example.url, basic_auth_user: 'only' }, status: 400, code: 'invalid_ml_backend' },
      { method: 'post', path: '/api/models', body: [], status: 400, code: 'invalid_ml_backend' },
      { method: 'post', path: '/api/models', body: { name: 'nb', url: v2.url }, status: 409, code: 'ml_backend_exists' },
      {
        method: 'post',
        path: '/api/models',
        body: { name: 'meta', url: 'http://169.254.169.254/' },
        status: 400,
        code: 'invalid_ml_backend',
        expected: { detail: 'Refused to fetch http://169.254.169.254/health: 169.254.169.254 is a link-local address; set ML_BACKEND_ALLOW=169.254.169.254 to allow it' },
      },
      { method: 'delete', path: '/api/models', body: { name: 'nope' }, status: 404, code: 'ml_backend_not_found', expected: { detail: 'Can\'t remove ML backend with name "nope": not found.' } },
      { method: 'delete', path: '/api/models', status: 400, code: 'bad_request' },
      { method: 'patch', path: '/api/project', body: { ml_backend: 'not a url' }, status: 400, code: 'invalid_ml_backend' },
      { method: 'patch', path: '/api/project', body: { ml_train_every: -1 }, status: 400, code: 'invalid_settings' },
      { method: 'patch', path: '/api/project', body: { ml_refresh_after_training: 'yes' }, status: 400, code: 'invalid_settings' },
      { method: 'put', path: '/api/models', status: 405, code: 'method_not_allowed' },
    ]);
    // The backend's fault: 502, the same shape, nothing changed either.
    const backendFaults: BadCase[] = [
      {
        method: 'post',
        path: '/api/models',
        body: { name: 'down', url: down },
        status: 502,
        code: 'ml_backend_unreachable',
        expected: { detail: expect.stringMatching(new RegExp(`^ML backend with URL: "${down}" is not connected\\. \\(GET health: ECONNREFUSED`)) },
      },
      {
        method: 'post',
        path: '/api/models',
        body: { name: 'junk', url: garbage.url },
        status: 502,
        code: 'ml_backend_failed',
        expected: { detail: `ML backend with URL: "${garbage.url}" is not connected. (GET health answered 200 with something that is not JSON: <html>It works!</html>)` },
      },
      { method: 'patch', path: '/api/project', body: { ml_backend: `down=${down}`, title: 'not saved either' }, status: 502, code: 'ml_backend_unreachable' },
    ];
    for (const c of backendFaults) {
      const before = await snapshot(t);
      const res = await send(t.app, c);
      expect(res.status, res.text).toBe(c.status);
      expectErrorShape(res);
      expect(res.body).toMatchObject({ code: c.code, ...(c.expected as object) });
      await expectUnchanged(t, before, JSON.stringify(c.body));
    }
  });

  it('a backend that hangs on /health is a 504 within ML_TIMEOUT_HEALTH', async () => {
    t = await makeTestApp({ ML_TIMEOUT_HEALTH: '0.3' });
    const hanging = await startScriptedBackend({ 'GET /health': 'hang' });
    try {
      const before = await snapshot(t);
      const started = Date.now();
      const res = await request(t.app).post('/api/models').send({ name: 'slow', url: hanging.url });
      expect(Date.now() - started).toBeLessThan(300 + 200);
      expect(res.status).toBe(504);
      expectErrorShape(res);
      expect(res.body).toMatchObject({ code: 'ml_backend_timeout', detail: `ML backend with URL: "${hanging.url}" is not connected. (GET health: no answer within 0.3 s)` });
      await expectUnchanged(t, before, 'hanging backend');
    } finally {
      await hanging.close();
    }
  });

  it('PATCH /api/project {"ml_backend"}: 0.8\'s name=url and bare url forms, saved with the other settings', async () => {
    t = await makeTestApp();
    const res = await request(t.app).patch('/api/project').send({ ml_backend: `mymodel=${example.url}`, ml_train_every: 5, ml_refresh_after_training: true });
    expect(res.status).toBe(201);
    expect(res.body.config).toMatchObject({ ml_backends: [{ url: example.url, name: 'mymodel' }], ml_train_every: 5, ml_refresh_after_training: true });
    const bare = await request(t.app).patch('/api/project').send({ ml_backend: v2.url });
    expect(bare.status).toBe(201);
    // No "name=": the project's name and 4 characters of a fresh uuid.
    expect(bare.body.config.ml_backends[1]).toEqual({ url: v2.url, name: expect.stringMatching(new RegExp(`^${t.project.store.name}[0-9a-f]{4}$`)) });
    expect((await request(t.app).patch('/api/project').send({ ml_backend: `mymodel=${v2.url}` })).status).toBe(409);
  });

  it('0.8\'s POST /api/remove-ml-backend removes like DELETE /api/models', async () => {
    t = await makeTestApp();
    await connect(t.app, example.url);
    expect((await request(t.app).post('/api/remove-ml-backend').send({ name: 'nb' })).status).toBe(204);
    expect((await request(t.app).get('/api/models')).body).toEqual({ models: [] });
    expect((await request(t.app).post('/api/remove-ml-backend').send({ name: 'nb' })).status).toBe(404);
  });

  it('the backends are kept across a restart', async () => {
    t = await makeTestApp();
    await connect(t.app, example.url);
    await t.reopen();
    expect((await request(t.app).get('/api/models')).body).toEqual({ models: ['nb'] });
  });
});

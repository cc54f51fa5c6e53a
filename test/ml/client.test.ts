// The ML client against real servers on 127.0.0.1: how each kind of failure is reported
// (never thrown), timeouts that hold, no redirect followed, and the address guard with its
// own allow list (ML_BACKEND_ALLOW). Then how /predict answers are read (parsePredictions).
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlClient, type MlTimeouts } from '../../src/ml/client.ts';
import { parsePredictions } from '../../src/ml/protocol.ts';
import { parseAllowList } from '../../src/net/addresses.ts';
import { DEFAULT_ML_BACKEND_ALLOW, testSettings } from '../../src/settings.ts';
import { freePort } from '../helpers/server.ts';
import { startScriptedBackend, type ScriptedBackend } from '../helpers/mlBackends.ts';

const TIMEOUTS: MlTimeouts = { connect: 500, health: 300, setup: 300, predict: 300, train: 300, delete: 300, trainStatus: 300 };
const client = (allow = DEFAULT_ML_BACKEND_ALLOW) => new MlClient({ timeouts: TIMEOUTS, allow: parseAllowList(allow), maxBodyBytes: 1024 });
const entry = (url: string) => ({ name: 'm', url });

let backend: ScriptedBackend;
beforeAll(async () => {
  backend = await startScriptedBackend({
    'GET /health': { json: { status: 'UP' } },
    'GET /garbage': { text: '<html>Welcome to nginx</html>' },
    'GET /error': { status: 500, json: { status: 500, detail: 'ValueError: bad model', result: { traceback: '...' } } },
    'GET /plain-error': { status: 500, text: 'AssertionError' },
    'GET /hang': 'hang',
    'GET /redirect': { status: 302, json: {} },
    'GET /big': { json: { blob: 'x'.repeat(5000) } },
  });
});
afterAll(() => backend.close());

describe('the ML client reports, never throws', () => {
  it('a 2xx JSON answer is ok, with its body', async () => {
    const r = await client().call(entry(backend.url), 'GET', 'health', 'health');
    expect(r).toMatchObject({ ok: true, status: 200, body: { status: 'UP' } });
  });

  it.each([
    ['garbage', 'garbage', 200, /answered 200 with something that is not JSON: <html>Welcome to nginx<\/html>/],
    ['error', 'status', 500, /answered 500: ValueError: bad model$/],
    ['plain-error', 'status', 500, /answered 500: AssertionError$/],
    ['redirect', 'status', 302, /answered 302/],
    ['big', 'garbage', 0, /larger than 1024 bytes/],
  ])('GET /%s is a %s failure', async (path, failure, status, message) => {
    const r = await client().call(entry(backend.url), 'GET', path, 'setup');
    expect(r).toMatchObject({ ok: false, failure, status });
    expect(r.error).toMatch(message);
  });

  it('a route that hangs is a timeout, at its timeout', async () => {
    const r = await client().call(entry(backend.url), 'GET', 'hang', 'health');
    expect(r).toMatchObject({ ok: false, status: 0, failure: 'timeout' });
    expect(r.ms).toBeGreaterThanOrEqual(290);
    expect(r.ms).toBeLessThan(300 + 200);
  });

  it('a closed port is unreachable (after the retries 0.8 made)', async () => {
    const port = await freePort();
    const r = await client().call(entry(`http://127.0.0.1:${port}`), 'GET', 'health', 'health');
    expect(r).toMatchObject({ ok: false, status: 0, failure: 'unreachable' });
    expect(r.error).toMatch(/ECONNREFUSED/);
  });

  it('a server that accepts the connection and says nothing is cut at the timeout', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const r = await client().call(entry(`http://127.0.0.1:${(silent.address() as { port: number }).port}`), 'GET', 'health', 'health');
      expect(r.failure).toBe('timeout');
      expect(r.ms).toBeLessThan(300 + 200);
    } finally {
      silent.close();
    }
  });

  it('a caller signal ends the call early', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled')), 50);
    const r = await client().call(entry(backend.url), 'GET', 'hang', 'predict', undefined, controller.signal);
    expect(r).toMatchObject({ ok: false, failure: 'cancelled' });
    expect(r.ms).toBeLessThan(250);
  });

  it('keeps a base URL\'s path prefix and encodes nothing twice', async () => {
    const r = await client().call(entry(`${backend.url}/ml/`), 'GET', 'health', 'health');
    expect(r.status).toBe(404);
    expect(backend.calls.at(-1)!.path).toBe('/ml/health');
  });
});

describe('ML backends are reached through the address guard, with their own allow list', () => {
  it('loopback and private networks are allowed by default (where backends live)', () => {
    const settings = testSettings();
    expect(settings.ML_BACKEND_ALLOW.ranges.length).toBe(5);
    expect(settings.FETCH_ALLOW.ranges.length).toBe(0);
  });

  it('link-local (cloud metadata) is refused by default, naming the setting to change', async () => {
    const r = await client().call(entry('http://169.254.169.254/latest/'), 'GET', 'health', 'health');
    expect(r).toMatchObject({ ok: false, failure: 'refused' });
    expect(r.error).toBe('Refused to fetch http://169.254.169.254/latest/health: 169.254.169.254 is a link-local address; set ML_BACKEND_ALLOW=169.254.169.254 to allow it');
  });

  it('ML_BACKEND_ALLOW=none refuses loopback too', async () => {
    const settings = testSettings({ ML_BACKEND_ALLOW: 'none' });
    const c = new MlClient({ timeouts: TIMEOUTS, allow: settings.ML_BACKEND_ALLOW, maxBodyBytes: 1024 });
    const before = backend.calls.length;
    const r = await c.call(entry(backend.url), 'GET', 'health', 'health');
    expect(r.failure).toBe('refused');
    expect(r.error).toMatch(/127\.0\.0\.1 is a loopback address; set ML_BACKEND_ALLOW=127\.0\.0\.1/);
    expect(backend.calls.length, 'nothing reached the backend').toBe(before);
  });

  it('"localhost" resolves to loopback, which the default lets through', async () => {
    const r = await client().call(entry(backend.url.replace('127.0.0.1', 'localhost')), 'GET', 'health', 'health');
    // ::1 or 127.0.0.1, whichever the system gives first; the backend listens on the latter.
    expect(r.failure === undefined || r.failure === 'unreachable').toBe(true);
    expect(r.failure).not.toBe('refused');
  });
});

describe('reading /predict answers', () => {
  const from = { backend: 'nb', modelVersion: 'setup-v', now: new Date('2026-01-02T03:04:05.000Z') };
  const result = [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Positive'] } }];

  it('a legacy answer: one object per task, the answer\'s model_version', () => {
    expect(parsePredictions({ results: [{ result, score: 0.8 }], model_version: 'v7' }, 1, from)).toEqual({
      perTask: [[{ result, score: 0.8, created_by: 'nb', created_date: '2026-01-02T03:04:05.000Z', model_version: 'v7' }]],
      skipped: 0,
    });
  });

  it('a v2 answer: a list of predictions per task, each with its own version', () => {
    const out = parsePredictions({ results: [[{ result, score: 0.1, model_version: '0.0.1' }, { result, score: 0.2, model_version: '0.0.2' }]] }, 1, from);
    expect(out).toMatchObject({ perTask: [[{ score: 0.1, model_version: '0.0.1' }, { score: 0.2, model_version: '0.0.2' }]] });
  });

  it('the version falls back to /setup\'s, and extra keys are kept', () => {
    expect(parsePredictions({ results: [{ result, cluster: 3 }] }, 1, from)).toMatchObject({ perTask: [[{ cluster: 3, model_version: 'setup-v' }]] });
    expect(parsePredictions({ results: [{ result }] }, 1, { ...from, modelVersion: null })).toEqual({
      perTask: [[{ result, created_by: 'nb', created_date: '2026-01-02T03:04:05.000Z' }]],
      skipped: 0,
    });
  });

  it('missing or empty results are no prediction; items without a result list are skipped', () => {
    expect(parsePredictions({}, 2, from)).toEqual({ perTask: [[], []], skipped: 0 });
    expect(parsePredictions({ results: [] }, 1, from)).toEqual({ perTask: [[]], skipped: 0 });
    expect(parsePredictions({ results: [{ score: 1 }, 'x'] }, 2, from)).toEqual({ perTask: [[], []], skipped: 2 });
    // One task: the first result is used, as 0.8 did.
    expect(parsePredictions({ results: [{ result }, { result }] }, 1, from)).toMatchObject({ perTask: [[{ result }]] });
  });

  it('what is not the protocol is an error', () => {
    expect(parsePredictions([], 1, from)).toEqual({ error: '/predict answered a list, not an object with "results"' });
    expect(parsePredictions('ok', 1, from)).toEqual({ error: '/predict answered a string, not an object with "results"' });
    expect(parsePredictions({ results: 'x' }, 1, from)).toEqual({ error: '/predict answered "results": a string, not a list' });
    expect(parsePredictions({ results: [{ result }] }, 3, from)).toEqual({ error: '/predict answered 1 results for 3 tasks' });
  });
});

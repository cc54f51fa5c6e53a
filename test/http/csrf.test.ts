// Cross-site writes and DNS rebinding (src/http/crossSite.ts): what a page on another
// site can make the user's browser send is refused and changes nothing; curl and scripts
// (no Origin, a loopback Host) and the server's own pages work as before; the settings
// ALLOWED_ORIGINS, ALLOWED_HOSTS, PUBLIC_URL and TRUST_PROXY open what they name.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { hostNameOf, isLoopbackName, listensOnLoopback } from '../../src/http/crossSite.ts';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { expectRejected, saved, send, SENTIMENT_CONFIG, type BadCase } from './support.ts';

let t: TestApp;
afterEach(async () => {
  await t?.close();
});

/** The default config with one more choice: saving it is a visible change. */
const NEW_CONFIG = SENTIMENT_CONFIG.replace('<Choice value="Neutral"/>', '<Choice value="Neutral"/>\n    <Choice value="Mixed"/>');

const BOUNDARY = 'csrf-boundary';
const IMPORT_FILE = {
  type: `multipart/form-data; boundary=${BOUNDARY}`,
  body: `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="tasks.json"\r\nContent-Type: application/json\r\n\r\n[{"text": "from a page"}]\r\n--${BOUNDARY}--\r\n`,
};

/** The three writes a page can send without a CORS preflight, as rows without headers. */
const SIMPLE_WRITES = {
  'text/plain config': { method: 'post', path: '/api/project/config', body: NEW_CONFIG, type: 'text/plain' },
  'save-config form': { method: 'post', path: '/api/save-config', body: `label_config=${encodeURIComponent(NEW_CONFIG)}`, type: 'application/x-www-form-urlencoded' },
  'multipart import': { method: 'post', path: '/api/project/import', body: IMPORT_FILE.body, type: IMPORT_FILE.type },
} satisfies Record<string, Pick<BadCase, 'method' | 'path' | 'body' | 'type'>>;

type WriteName = keyof typeof SIMPLE_WRITES;

/** What each write leaves behind when it is let through. */
async function expectDone(name: WriteName, res: request.Response): Promise<void> {
  if (name === 'multipart import') {
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ task_count: 1 });
    const tasks = await request(t.app).get('/api/tasks');
    expect(tasks.body.map((task: { data: unknown }) => task.data)).toEqual([{ text: 'from a page' }]);
  } else {
    expect(res.status, res.text).toBe(201);
    expect((await saved(t)).labelConfig).toContain('<Choice value="Mixed"/>');
  }
}

const refused = (method: string, path: string, who: string, fix: string) => ({
  status: 403,
  detail: `Refused ${method} ${path} from ${who}: pages on other sites may not change data here. ${fix}`,
});
const addOrigin = (origin: string) => `If that page is yours, add its origin to ALLOWED_ORIGINS (ALLOWED_ORIGINS=${origin}).`;
const NO_ORIGIN_FIX = 'Send it from a page served by this server, or from a script (requests without Origin are not checked).';

describe('cross-site writes are refused', () => {
  it('a text/plain config, a save-config form, a multipart import, a DELETE and a PATCH from https://evil.example: 403, nothing changed', async () => {
    t = await makeTestApp();
    await request(t.app).post('/api/project/import').send([{ text: 'kept' }]).expect(201);
    const evil = { Origin: 'https://evil.example' };
    const cases: BadCase[] = [
      ...Object.entries(SIMPLE_WRITES).map(([name, c]) => ({
        name,
        ...c,
        headers: evil,
        status: 403,
        expected: refused('POST', c.path, 'a page on https://evil.example', addOrigin('https://evil.example')),
      })),
      { method: 'delete', path: '/api/tasks', headers: evil, status: 403, expected: refused('DELETE', '/api/tasks', 'a page on https://evil.example', addOrigin('https://evil.example')) },
      { method: 'patch', path: '/api/project', body: { title: 'owned' }, headers: evil, status: 403 },
      { method: 'post', path: '/api/tasks/0/completions', body: { result: [] }, headers: evil, status: 403 },
    ];
    await expectRejected(t, cases);
  });

  it('Origin: null (sandboxed frame, file:// page) is foreign: 403, nothing changed', async () => {
    t = await makeTestApp();
    await expectRejected(
      t,
      Object.entries(SIMPLE_WRITES).map(([name, c]) => ({
        name,
        ...c,
        headers: { Origin: 'null' },
        status: 403,
        expected: refused('POST', c.path, 'a page without an origin (Origin: null: a sandboxed frame, a file:// page or a redirect)', NO_ORIGIN_FIX),
      })),
    );
  });

  it('Sec-Fetch-Site: cross-site without Origin: 403, nothing changed', async () => {
    t = await makeTestApp();
    const c = SIMPLE_WRITES['text/plain config'];
    await expectRejected(t, [
      { ...c, headers: { 'Sec-Fetch-Site': 'cross-site' }, status: 403, expected: refused('POST', c.path, 'a page on another site (Sec-Fetch-Site: cross-site)', NO_ORIGIN_FIX) },
    ]);
  });

  it.each([
    { name: 'another port on the same host', host: 'localhost:8080', origin: 'http://localhost:3000' },
    { name: 'https where the server was reached over http', host: 'localhost:8080', origin: 'https://localhost:8080' },
    { name: 'another loopback name', host: 'localhost:8080', origin: 'http://127.0.0.1:8080' },
    { name: 'a malformed Origin', host: 'localhost:8080', origin: 'not an origin' },
  ])('an Origin that differs from the server only by $name is foreign', async ({ host, origin }) => {
    t = await makeTestApp();
    const res = await send(t.app, { ...SIMPLE_WRITES['text/plain config'], headers: { Host: host, Origin: origin } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ status: 403 });
    expect((await saved(t)).labelConfig).not.toContain('Mixed');
  });
});

describe('writes from scripts and from the server own pages work as before', () => {
  it.each(Object.keys(SIMPLE_WRITES) as WriteName[])('%s without Origin (curl, scripts)', async (name) => {
    t = await makeTestApp();
    await expectDone(name, await send(t.app, SIMPLE_WRITES[name]));
  });

  it.each(Object.keys(SIMPLE_WRITES) as WriteName[])('%s from the server own origin (scheme and Host)', async (name) => {
    t = await makeTestApp();
    const res = await send(t.app, { ...SIMPLE_WRITES[name], headers: { Host: 'localhost:8080', Origin: 'http://localhost:8080', 'Sec-Fetch-Site': 'same-origin' } });
    await expectDone(name, res);
  });

  it('the own origin is compared as an origin: case and the default port do not matter', async () => {
    t = await makeTestApp();
    const res = await send(t.app, { ...SIMPLE_WRITES['text/plain config'], headers: { Host: 'LocalHost', Origin: 'http://localhost:80' } });
    await expectDone('text/plain config', res);
  });

  it('reads with a foreign Origin still work (CORS keeps their answers from the page)', async () => {
    t = await makeTestApp();
    await request(t.app).post('/api/project/import').send([{ text: 'a' }]).expect(201);
    const project = await request(t.app).get('/api/project').set('Origin', 'https://evil.example');
    expect(project.status).toBe(200);
    expect(project.body.task_count).toBe(1);
    expect(project.headers['access-control-allow-origin']).toBeUndefined();
    const tasks = await request(t.app).get('/api/tasks').set('Origin', 'null').set('Sec-Fetch-Site', 'cross-site');
    expect(tasks.status).toBe(200);
    expect(tasks.body).toHaveLength(1);
    const options = await request(t.app).options('/api/project/config').set('Origin', 'https://evil.example');
    expect(options.status).toBe(200);
    expect(options.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('settings that let other origins write', () => {
  it('ALLOWED_ORIGINS: a listed origin writes, others are still refused', async () => {
    t = await makeTestApp({ ALLOWED_ORIGINS: 'https://labeling.example.com, http://localhost:3000' });
    const evil = await send(t.app, { ...SIMPLE_WRITES['multipart import'], headers: { Origin: 'https://evil.example' } });
    expect(evil.status).toBe(403);
    expect((await request(t.app).get('/api/project')).body.task_count).toBe(0);
    await expectDone('multipart import', await send(t.app, { ...SIMPLE_WRITES['multipart import'], headers: { Origin: 'https://labeling.example.com:443' } }));
    await expectDone('text/plain config', await send(t.app, { ...SIMPLE_WRITES['text/plain config'], headers: { Origin: 'http://localhost:3000' } }));
  });

  it('PUBLIC_URL: its origin writes, and its host is answered on a loopback-bound server', async () => {
    t = await makeTestApp({ PUBLIC_URL: 'https://labels.example.com/ls' });
    const res = await send(t.app, { ...SIMPLE_WRITES['text/plain config'], headers: { Host: 'labels.example.com', Origin: 'https://labels.example.com' } });
    await expectDone('text/plain config', res);
  });

  it('TRUST_PROXY: behind a TLS proxy the own origin is https and X-Forwarded-Host', async () => {
    const headers = { Host: 'localhost:8080', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'labels.localhost', Origin: 'https://labels.localhost' };
    t = await makeTestApp();
    const untrusted = await send(t.app, { ...SIMPLE_WRITES['text/plain config'], headers });
    expect(untrusted.status).toBe(403);
    await t.close();
    t = await makeTestApp({ TRUST_PROXY: 'loopback' });
    await expectDone('text/plain config', await send(t.app, { ...SIMPLE_WRITES['text/plain config'], headers }));
  });
});

describe('DNS rebinding: a loopback-bound server answers only to loopback names', () => {
  const expected = {
    status: 421,
    detail:
      'This server does not answer to the name "evil.example": it answers to localhost, 127.0.0.1 and [::1] (other names are refused to defeat DNS rebinding). To use "evil.example", add it to ALLOWED_HOSTS.',
  };

  it('Host: evil.example:8080 is refused for reads and writes, even with the matching Origin: 421, nothing changed', async () => {
    t = await makeTestApp();
    await request(t.app).post('/api/project/import').send([{ text: 'secret' }]).expect(201);
    const host = { Host: 'evil.example:8080' };
    await expectRejected(t, [
      { method: 'get', path: '/api/project/export?format=JSON', headers: host, status: 421, expected },
      { method: 'get', path: '/api/tasks', headers: host, status: 421, expected },
      { ...SIMPLE_WRITES['text/plain config'], headers: { ...host, Origin: 'http://evil.example:8080' }, status: 421, expected },
      { ...SIMPLE_WRITES['multipart import'], headers: { ...host, Origin: 'http://evil.example:8080' }, status: 421, expected },
      { method: 'delete', path: '/api/tasks', headers: host, status: 421, expected },
    ]);
  });

  it.each(['localhost:8080', 'LOCALHOST', 'localhost.:8080', '127.0.0.1:8080', '127.1.2.3', '[::1]:8080', 'labels.localhost:8080'])('Host %s is answered', async (host) => {
    t = await makeTestApp();
    const res = await request(t.app).get('/api/project').set('Host', host);
    expect(res.status, res.text).toBe(200);
    expect(res.body.task_count).toBe(0);
  });

  it.each(['evil.example', 'localhost.evil.example', '127.0.0.1.nip.io', '0.0.0.0:8080', '192.168.1.5:8080', '[::2]:8080', 'localhost:8080@evil', '[::1'])('Host %s is refused', async (host) => {
    t = await makeTestApp();
    const res = await request(t.app).get('/api/project').set('Host', host);
    expect(res.status).toBe(421);
    expect(res.body).toMatchObject({ status: 421 });
    expect(res.body.detail).toMatch(/add it to ALLOWED_HOSTS\.$/);
  });

  it('/api/health answers probes under any name', async () => {
    t = await makeTestApp();
    for (const path of ['/api/health', '/api/health/']) {
      const res = await request(t.app).get(path).set('Host', 'evil.example:8080');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'up' });
    }
  });

  it('ALLOWED_HOSTS: a listed name is answered (any port), others still refused', async () => {
    t = await makeTestApp({ ALLOWED_HOSTS: 'labels.internal,evil.example' });
    const res = await send(t.app, { ...SIMPLE_WRITES['text/plain config'], headers: { Host: 'evil.example:8080', Origin: 'http://evil.example:8080' } });
    await expectDone('text/plain config', res);
    expect((await request(t.app).get('/api/project').set('Host', 'Labels.Internal:9000')).status).toBe(200);
    const other = await request(t.app).get('/api/project').set('Host', 'other.example');
    expect(other.status).toBe(421);
    expect(other.body.detail).toBe(
      'This server does not answer to the name "other.example": it answers to localhost, 127.0.0.1, [::1], labels.internal and evil.example (other names are refused to defeat DNS rebinding). To use "other.example", add it to ALLOWED_HOSTS.',
    );
  });

  it.each(['::1', 'localhost', '127.0.0.2'])('HOST=%s counts as loopback', async (host) => {
    t = await makeTestApp({ HOST: host });
    expect((await request(t.app).get('/api/project').set('Host', 'evil.example')).status).toBe(421);
  });

  it('bound to 0.0.0.0 or another address, any Host is answered', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.5']) {
      t = await makeTestApp({ HOST: host });
      const res = await request(t.app).get('/api/project').set('Host', 'evil.example:8080');
      expect(res.status, host).toBe(200);
      await t.close();
    }
    t = await makeTestApp({ HOST: '192.168.1.5', ALLOWED_HOSTS: 'labels.internal' });
    expect((await request(t.app).get('/api/project').set('Host', '192.168.1.5:8080')).status).toBe(200);
  });

  it('bound to 0.0.0.0 with ALLOWED_HOSTS: only those and loopback names are answered', async () => {
    t = await makeTestApp({ HOST: '0.0.0.0', ALLOWED_HOSTS: 'labels.internal' });
    expect((await request(t.app).get('/api/project').set('Host', 'evil.example')).status).toBe(421);
    expect((await request(t.app).get('/api/project').set('Host', 'labels.internal:8080')).status).toBe(200);
    expect((await request(t.app).get('/api/project').set('Host', 'localhost:8080')).status).toBe(200);
  });
});

describe('host names', () => {
  it.each([
    ['localhost:8080', 'localhost'],
    ['LocalHost.', 'localhost'],
    ['[::1]:8080', '[::1]'],
    ['[::1]', '[::1]'],
    ['127.0.0.1', '127.0.0.1'],
    ['Labels.Example.COM:443', 'labels.example.com'],
    ['evil.example:8080@x', undefined],
    ['http://evil.example', undefined],
    ['[::1', undefined],
    ['[::1]x', undefined],
    ['a b', undefined],
    ['', undefined],
  ])('hostNameOf(%j) is %j', (header, name) => {
    expect(hostNameOf(header)).toBe(name);
  });

  it.each([
    ['localhost', true],
    ['labels.localhost', true],
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['[::1]', true],
    ['localhost.evil.example', false],
    ['evil-localhost', false],
    ['128.0.0.1', false],
    ['[::2]', false],
  ])('isLoopbackName(%j) is %j', (name, loopback) => {
    expect(isLoopbackName(name)).toBe(loopback);
  });

  it.each([
    ['127.0.0.1', true],
    ['::1', true],
    ['localhost', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.5', false],
    ['labels.internal', false],
  ])('listensOnLoopback(%j) is %j', (host, loopback) => {
    expect(listensOnLoopback(host)).toBe(loopback);
  });
});

// Basic auth (src/http/auth.ts): wrong user names and passwords of every length are
// refused; failed logins are limited per client address (429 with Retry-After until the
// window passes), a successful login does not count, /api/health stays open.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
afterEach(async () => {
  await t?.close();
});

const PASSWORD = 'secret1';
const DENIED = { status: 401, code: 'unauthorized', detail: 'Could not verify your access level for that URL. You have to login with proper credentials' };
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe('credentials are compared whatever their length', () => {
  it.each([
    { name: 'empty', password: '' },
    { name: 'one character', password: 's' },
    { name: 'a prefix of the password', password: 'secret' },
    { name: 'the password and more', password: 'secret12' },
    { name: 'same length, last character wrong', password: 'secret2' },
    { name: 'other case', password: 'SECRET1' },
    { name: '10,000 characters', password: 'secret1'.repeat(1430) },
    { name: 'multibyte', password: 'sécrét1' },
  ])('a wrong password ($name) is 401', async ({ password }) => {
    t = await makeTestApp({ AUTH_PASSWORD: PASSWORD, AUTH_MAX_FAILURES: '100' });
    const res = await request(t.app).get('/api/project').set('Authorization', basic(`ls:${password}`));
    expect(res.status).toBe(401);
    expect(res.body).toEqual(DENIED);
    expect(res.headers['www-authenticate']).toBe('Basic realm="Login Required"');
  });

  it.each(['', 'l', 'LS', 'ls2', 'ls'.repeat(5000)])('a wrong user name (%j) with the right password is 401', async (user) => {
    t = await makeTestApp({ AUTH_PASSWORD: PASSWORD, AUTH_MAX_FAILURES: '100' });
    const res = await request(t.app).get('/api/project').set('Authorization', basic(`${user}:${PASSWORD}`));
    expect(res.status).toBe(401);
    expect(res.body).toEqual(DENIED);
  });

  it('credentials without a colon are 401; the right ones are 200', async () => {
    t = await makeTestApp({ AUTH_PASSWORD: PASSWORD, AUTH_MAX_FAILURES: '100' });
    expect((await request(t.app).get('/api/project').set('Authorization', basic(`ls${PASSWORD}`))).status).toBe(401);
    expect((await request(t.app).get('/api/project').set('Authorization', basic(PASSWORD))).status).toBe(401);
    const ok = await request(t.app).get('/api/project').auth('ls', PASSWORD);
    expect(ok.status).toBe(200);
    expect(ok.body.task_count).toBe(0);
  });

  it('a password with a colon in it works (only the first colon splits)', async () => {
    t = await makeTestApp({ AUTH_PASSWORD: 'a:b:c' });
    expect((await request(t.app).get('/api/project').auth('ls', 'a:b:c')).status).toBe(200);
    expect((await request(t.app).get('/api/project').auth('ls', 'a:b')).status).toBe(401);
  });
});

describe('failed logins are limited per client address', () => {
  const tooMany = (seconds: number) => ({ status: 429, code: 'too_many_failed_logins', detail: `Too many failed logins from your address; try again in ${seconds} seconds` });

  it('after AUTH_MAX_FAILURES failures even the right password is 429 with Retry-After, until the window passes', async () => {
    t = await makeTestApp({ AUTH_PASSWORD: PASSWORD, AUTH_MAX_FAILURES: '3', AUTH_FAILURE_WINDOW_SECONDS: '1' });
    for (let i = 0; i < 3; i++) {
      const res = await request(t.app).get('/api/project').auth('ls', `guess${i}`);
      expect(res.status, `guess ${i}`).toBe(401);
    }
    const blocked = await request(t.app).get('/api/project').auth('ls', PASSWORD);
    expect(blocked.status).toBe(429);
    expect(blocked.headers['retry-after']).toBe('1');
    expect(blocked.body).toEqual(tooMany(1));
    // A write is refused the same way, and changes nothing.
    const write = await request(t.app).post('/api/project/import').auth('ls', PASSWORD).send([{ text: 'x' }]);
    expect(write.status).toBe(429);
    // The health check stays open.
    expect((await request(t.app).get('/api/health')).body).toEqual({ status: 'up' });

    await new Promise((resolve) => setTimeout(resolve, 1100));
    const ok = await request(t.app).get('/api/project').auth('ls', PASSWORD);
    expect(ok.status).toBe(200);
    expect(ok.body.task_count).toBe(0);
  });

  it('requests while blocked do not extend the block', async () => {
    t = await makeTestApp({ AUTH_PASSWORD: PASSWORD, AUTH_MAX_FAILURES: '2', AUTH_FAILURE_WINDOW_SECONDS: '1' });
    await request(t.app).get('/api/project').auth('ls', 'a').expect(401);
    await request(t.app).get('/api/project').auth('ls', 'b').expect(401);
    for (let i = 0; i < 5; i++) await request(t.app).get('/api/project').auth('ls', 'c').expect(429);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await request(t.app).get('/api/project').auth('ls', PASSWORD).expect(200);
  });

  it('successful logins and requests without credentials do not count', async () => {
    t = await makeTestApp({ AUTH_PASSWORD: PASSWORD, AUTH_MAX_FAILURES: '3' });
    await request(t.app).get('/api/project').auth('ls', 'wrong').expect(401);
    await request(t.app).get('/api/project').auth('ls', 'wrong').expect(401);
    for (let i = 0; i < 10; i++) await request(t.app).get('/api/project').auth('ls', PASSWORD).expect(200);
    for (let i = 0; i < 10; i++) await request(t.app).get('/api/project').expect(401); // a browser before its prompt
    await request(t.app).get('/api/project').auth('ls', 'wrong').expect(401); // the third failure
    const res = await request(t.app).get('/api/project').auth('ls', PASSWORD);
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(50);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
  });

  it('another address is not affected (addresses from X-Forwarded-For under TRUST_PROXY)', async () => {
    t = await makeTestApp({ AUTH_PASSWORD: PASSWORD, AUTH_MAX_FAILURES: '3', TRUST_PROXY: 'loopback' });
    const from = (address: string) => ({ 'X-Forwarded-For': address });
    for (let i = 0; i < 3; i++) await request(t.app).get('/api/project').set(from('203.0.113.5')).auth('ls', 'wrong').expect(401);
    await request(t.app).get('/api/project').set(from('203.0.113.5')).auth('ls', PASSWORD).expect(429);
    await request(t.app).get('/api/project').set(from('203.0.113.6')).auth('ls', PASSWORD).expect(200);
    // The proxy's own address (no X-Forwarded-For) is another client too.
    await request(t.app).get('/api/project').auth('ls', PASSWORD).expect(200);
  });

  it('without TRUST_PROXY, X-Forwarded-For is not believed: the socket address is counted', async () => {
    t = await makeTestApp({ AUTH_PASSWORD: PASSWORD, AUTH_MAX_FAILURES: '3' });
    for (let i = 0; i < 3; i++) await request(t.app).get('/api/project').set('X-Forwarded-For', `198.51.100.${i}`).auth('ls', 'wrong').expect(401);
    await request(t.app).get('/api/project').set('X-Forwarded-For', '198.51.100.77').auth('ls', PASSWORD).expect(429);
  });
});

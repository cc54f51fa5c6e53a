// Settings come from the environment, checked once; a wrong value stops the start with a
// message that names the variable.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadSettings, SettingsError } from '../../src/settings.ts';

describe('settings', () => {
  it('has the documented defaults', () => {
    const s = loadSettings({});
    expect(s).toMatchObject({ PORT: 8080, HOST: '127.0.0.1', PROJECTS_DIR: './projects', PROJECT: 'default', AUTH_USERNAME: 'ls', AUTH_PASSWORD: '' });
    expect(s.MAX_BODY_SIZE).toBe(200 * 1024 * 1024);
    expect(s.MAX_TASKS_PER_IMPORT).toBe(250_000);
    expect(s.RESERVATION_SECONDS).toBe(600);
    expect(s).toMatchObject({ AUTH_MAX_FAILURES: 10, AUTH_FAILURE_WINDOW_SECONDS: 60, ALLOWED_ORIGINS: [], ALLOWED_HOSTS: [], TRUST_PROXY: false });
    expect(s).toMatchObject({ HEADERS_TIMEOUT_MS: 20_000, REQUEST_TIMEOUT_MS: 3_600_000, KEEP_ALIVE_TIMEOUT_MS: 5_000 });
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('parses the lists of origins, hosts and proxies', () => {
    const s = loadSettings({
      ALLOWED_ORIGINS: 'https://Labeling.Example.com/, http://localhost:3000,,https://a.example:443',
      ALLOWED_HOSTS: ' Labels.Internal ,10.0.0.5,::1,[fd00::1],labels.example.com.',
      TRUST_PROXY: 'loopback, 10.0.0.0/8, 192.168.1.1, fd00::/8',
    });
    expect(s.ALLOWED_ORIGINS).toEqual(['https://labeling.example.com', 'http://localhost:3000', 'https://a.example']);
    expect(s.ALLOWED_HOSTS).toEqual(['labels.internal', '10.0.0.5', '[::1]', '[fd00::1]', 'labels.example.com']);
    expect(s.TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8', '192.168.1.1', 'fd00::/8']);
    expect(loadSettings({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadSettings({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
  });

  it('parses sizes and numbers', () => {
    const s = loadSettings({ PORT: '9000', MAX_BODY_SIZE: '5mb', RESERVATION_SECONDS: '30', ALLOW_SERVING_LOCAL_FILES: 'true' });
    expect(s.PORT).toBe(9000);
    expect(s.MAX_BODY_SIZE).toBe(5 * 1024 * 1024);
    expect(s.RESERVATION_SECONDS).toBe(30);
    expect(s.ALLOW_SERVING_LOCAL_FILES).toBe(true);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'loud'],
    ['MAX_BODY_SIZE', '12 parsecs'],
    ['PROJECT', '../escape'],
    ['RESERVATION_SECONDS', '0'],
    ['AUTH_MAX_FAILURES', '0'],
    ['AUTH_FAILURE_WINDOW_SECONDS', 'a minute'],
    ['ALLOWED_ORIGINS', 'labeling.example.com'],
    ['ALLOWED_ORIGINS', 'https://labeling.example.com/app'],
    ['ALLOWED_ORIGINS', '*'],
    ['ALLOWED_HOSTS', 'labels.internal:8080'],
    ['ALLOWED_HOSTS', 'http://labels.internal'],
    ['ALLOWED_HOSTS', '*'],
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', 'my-proxy'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['HEADERS_TIMEOUT_MS', '0'],
    ['KEEP_ALIVE_TIMEOUT_MS', '5s'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => loadSettings({ [name]: value })).toThrow(SettingsError);
    expect(() => loadSettings({ [name]: value })).toThrow(new RegExp(`${name}=`));
  });

  it('refuses a headers timeout longer than the request timeout (Node would refuse it at listen)', () => {
    expect(() => loadSettings({ REQUEST_TIMEOUT_MS: '5000' })).toThrow(/HEADERS_TIMEOUT_MS \(default\): must not be longer than REQUEST_TIMEOUT_MS \(20000 > 5000\)/);
    expect(loadSettings({ REQUEST_TIMEOUT_MS: '0' }).REQUEST_TIMEOUT_MS).toBe(0); // no limit
    expect(loadSettings({ REQUEST_TIMEOUT_MS: '5000', HEADERS_TIMEOUT_MS: '5000' }).HEADERS_TIMEOUT_MS).toBe(5000);
  });

  it('ignores USERNAME, which many systems set', () => {
    expect(loadSettings({ USERNAME: 'root' }).AUTH_USERNAME).toBe('ls');
  });

  it('stops the server at start-up with the message', () => {
    const repo = fileURLToPath(new URL('../..', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: repo,
      env: { ...process.env, PORT: 'not-a-port' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('PORT="not-a-port"');
  });
});

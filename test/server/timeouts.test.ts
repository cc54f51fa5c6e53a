// The server's own timeouts (HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS),
// set small here, against a real server process and raw sockets on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, waitForExit, type RunningServer } from '../helpers/server.ts';

let server: RunningServer;
let root: string;
let port: number;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ls-timeouts-'));
  server = await startServer({ PROJECTS_DIR: root, HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000', KEEP_ALIVE_TIMEOUT_MS: '1000' });
  port = Number(new URL(server.base).port);
});
afterAll(async () => {
  server.proc.kill('SIGTERM');
  await waitForExit(server.proc);
  await rm(root, { recursive: true, force: true });
});

/** A socket, what the server sent on it, and when the server closed it (ms after opening). */
async function open(): Promise<{ socket: Socket; received: () => string; closedAfter: Promise<number> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const t0 = performance.now();
  let data = '';
  socket.on('data', (d) => (data += d));
  socket.on('error', () => {});
  const closedAfter = new Promise<number>((r) => socket.once('close', () => r(performance.now() - t0)));
  return { socket, received: () => data, closedAfter };
}

/** Writes `line` every `everyMs` until the socket closes. */
function trickle(socket: Socket, line: string, everyMs: number): void {
  const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write(line)), everyMs);
  socket.once('close', () => clearInterval(timer));
}

describe('timeouts', () => {
  it('a client that sends its headers slowly (slowloris) is cut off after HEADERS_TIMEOUT_MS', async () => {
    const c = await open();
    c.socket.write('GET /api/health HTTP/1.1\r\nHost: x\r\n');
    trickle(c.socket, 'X-Slow: 1\r\n', 100); // a header line now and then, never the blank line
    // Meanwhile the server answers others.
    expect((await fetch(`${server.base}/api/health`)).status).toBe(200);
    const ms = await c.closedAfter;
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(1000 + 250 + 1000); // the timeout, Node's check interval, leeway
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a body sent slowly is cut off after REQUEST_TIMEOUT_MS', async () => {
    const c = await open();
    c.socket.write('POST /api/project/import HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[');
    trickle(c.socket, '{"text":"a"},', 100);
    const ms = await c.closedAfter;
    expect(ms).toBeGreaterThanOrEqual(1900);
    expect(ms).toBeLessThan(2000 + 250 + 1500);
    // Nothing of the cut-off import was stored.
    expect(await (await fetch(`${server.base}/api/tasks`)).json()).toEqual([]);
  });

  it('an idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_MS, not before', async () => {
    const c = await open();
    c.socket.write('GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 300));
    // Still open within the keep-alive time: a second request on it is answered.
    c.socket.write('GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n');
    const ms = await c.closedAfter;
    expect(c.received().match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    expect(c.received()).toContain('Keep-Alive: timeout=1\r\n'); // what clients are told
    // Node waits one second more than it advertises (keepAliveTimeoutBuffer), so that a
    // client that reuses the connection at the last moment does not meet a closing socket.
    expect(ms).toBeGreaterThanOrEqual(300 + 1000);
    expect(ms).toBeLessThan(300 + 1000 + 1000 + 1000);
  });
});

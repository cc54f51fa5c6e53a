// A URL import whose client goes away stops downloading: the download used to run on to
// its time limit (URL_IMPORT_TIMEOUT_MS, two minutes by default) for nobody. A real slow
// server on 127.0.0.1 streams a JSON file a few bytes at a time; the client of the import
// closes its connection; the slow server must see its own connection closed soon after.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterEach, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { storedTasks, uploadedFiles } from './support.ts';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function listening(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return (server.address() as AddressInfo).port;
}

const waitFor = async (what: string, ok: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

it('the download stops within a second of the client closing its connection, and nothing is stored', async () => {
  // The slow server: a JSON array that grows by one task every 50 ms and never ends.
  const download: { openedAt?: number; closedAt?: number; bytes: number } = { bytes: 0 };
  const slow = createServer((req, res) => {
    download.openedAt = Date.now();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('[{"text": "first"}');
    const more = setInterval(() => {
      res.write(', {"text": "more"}');
      download.bytes += 18;
    }, 50);
    req.socket.once('close', () => {
      clearInterval(more);
      download.closedAt = Date.now();
    });
  });
  const slowPort = await listening(slow);

  // The import time limit is far away: only the client going away can stop the download.
  const t: TestApp = await makeTestApp({ FETCH_ALLOW: '127.0.0.1', URL_IMPORT_TIMEOUT_MS: '120000' });
  cleanup.push(() => t.close());
  const appPort = await listening(t.app.listen(0, '127.0.0.1') as unknown as Server);

  const form = `url=${encodeURIComponent(`http://127.0.0.1:${slowPort}/tasks.json`)}`;
  const client = httpRequest({ host: '127.0.0.1', port: appPort, method: 'POST', path: '/api/project/import', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(form) } });
  const answered = new Promise<string>((resolve) => {
    client.on('response', () => resolve('answered'));
    client.on('error', () => resolve('closed'));
    client.on('close', () => resolve('closed'));
  });
  client.end(form);

  await waitFor('the download to start', () => download.openedAt !== undefined);
  await waitFor('some of the file to arrive', () => download.bytes > 100);
  const left = Date.now();
  client.destroy();
  expect(await answered).toBe('closed');

  await waitFor('the download to be closed', () => download.closedAt !== undefined, 3000);
  expect(download.closedAt! - left, 'ms from the client leaving to the download closing').toBeLessThan(1000);

  expect((await storedTasks(t))).toEqual([]);
  expect(await uploadedFiles(t)).toEqual([]);
  expect((await request(t.app).get('/api/project')).body.task_count).toBe(0);
});

// URL_IMPORT_TIMEOUT_MS bounds a URL import's download, through the HTTP route.
import { createServer, type Server } from 'node:http';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp | undefined;
let slow: Server | undefined;
afterEach(async () => {
  await t?.close();
  slow?.closeAllConnections();
  await new Promise((r) => slow?.close(r));
});

describe('URL import timeout setting', () => {
  it('answers 400 naming the timeout when the server never finishes, and adds nothing', async () => {
    slow = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[{"text": "never ends"');
    });
    await new Promise<void>((r) => slow!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(slow.address() as { port: number }).port}/tasks.json`;
    t = await makeTestApp({ URL_IMPORT_TIMEOUT_MS: '300', FETCH_ALLOW: '127.0.0.1' });
    const started = Date.now();
    const res = await request(t.app).post('/api/project/import').type('form').send({ url });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([`Download of ${url} timed out after 300 ms`]);
    expect((await request(t.app).get('/api/project')).body.task_count).toBe(0);
  });
});

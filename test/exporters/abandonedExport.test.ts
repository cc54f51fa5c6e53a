// Remote images are fetched with a time limit each, but an export has many: an export
// whose client has gone must stop fetching (the fetch in flight included), and a host
// that does not answer must cost the time limit once per export, not once per URL.
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { exportZip } from './golden.ts';
import { completed, projectWith, RECT_XML, rectResult } from './smallProject.ts';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Listens on a free port; on cleanup every connection to it is cut, then it closes. */
async function listening(server: Server | HttpServer): Promise<string> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const imageTasks = (base: string, n: number) => Array.from({ length: n }, (_, i) => ({ id: i, data: { image: `${base}/img-${i}.png` }, completions: completed(i, rectResult()) }));

async function project(base: string, n: number, timeoutMs: number): Promise<TestApp> {
  const t = await projectWith(RECT_XML, imageTasks(base, n), { settings: { EXPORT_FETCH_TIMEOUT_MS: String(timeoutMs) } });
  cleanup.push(() => t.close());
  return t;
}

/** The app on a real port (a client that goes away must close a real connection). */
async function serve(t: TestApp): Promise<string> {
  const server = t.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  cleanup.push(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Starts a COCO export and goes away after `ms`; resolves with the time it left. */
async function leaveAfter(base: string, ms: number): Promise<number> {
  const client = new AbortController();
  const download = fetch(`${base}/api/project/export?format=COCO`, { signal: client.signal }).then((r) => r.arrayBuffer());
  await new Promise((r) => setTimeout(r, ms));
  client.abort();
  await download.catch(() => {});
  return Date.now();
}

it('a host that does not answer costs the time limit once per export, not once per image', async () => {
  let requests = 0;
  const silent = createTcpServer((s) => void s.once('data', () => requests++)); // reads the request, never answers
  const images = await listening(silent);
  const t = await project(images, 30, 200);
  const started = Date.now();
  const zip = await exportZip(t, 'COCO');
  // 30 × 200 ms before; one time limit now (and slack for a slow machine).
  expect(Date.now() - started).toBeLessThan(3000);
  expect(requests).toBe(1);
  // The images that were not tried keep their URLs, as failed downloads always did.
  const coco = JSON.parse(zip.files.get('result.json')!.toString());
  expect(coco.images.map((i: { file_name: string }) => i.file_name)).toEqual(imageTasks(images, 30).map((f) => f.data.image));
});

it('an abandoned export fetches no more images', async () => {
  // Every image is missing, answered slowly: a host that is up, so each URL is tried.
  const started: number[] = [];
  const slow404 = createHttpServer((_req, res) => {
    started.push(Date.now());
    setTimeout(() => res.writeHead(404).end(), 100);
  });
  const images = await listening(slow404);
  const base = await serve(await project(images, 40, 5000));
  const left = await leaveAfter(base, 350);
  await new Promise((r) => setTimeout(r, 1000));
  expect(started.length).toBeGreaterThan(0);
  expect(started.filter((s) => s > left + 300), 'fetches started after the client had gone').toEqual([]);
});

it('the fetch in flight is cancelled when the client goes away, not left to its time limit', async () => {
  const held: { closedAt?: number }[] = [];
  const never = createHttpServer((req: IncomingMessage) => {
    const h: { closedAt?: number } = {};
    held.push(h);
    req.socket.once('close', () => (h.closedAt = Date.now()));
  });
  const images = await listening(never);
  const base = await serve(await project(images, 5, 20_000));
  const left = await leaveAfter(base, 300);
  await new Promise((r) => setTimeout(r, 1000));
  expect(held).toHaveLength(1);
  expect(held[0]!.closedAt, 'the image request was closed').toBeDefined();
  expect(held[0]!.closedAt! - left).toBeLessThan(1000);
});

// How an export that goes wrong is answered. A failure before the first byte is an
// ordinary JSON 500 (it was labelled as a zip download in zip mode, and the connection
// was dropped without a status for a single file); after the first byte the download is
// cut short, never passed off as whole. A client that goes away is logged at info, an
// exporter that throws as an error. HEAD answers the headers without running the export.
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { errorHandler } from '../../src/http/errors.ts';
import { sendExport } from '../../src/http/export.ts';
import type { ExportFormat, ExportSink } from '../../src/exporters/types.ts';

const SINGLE = { name: 'r.json', contentType: 'application/json', extension: '.json' };

function format(write: (sink: ExportSink) => Promise<void>, single = false): ExportFormat {
  return { name: 'TEST', title: '', description: '', supports: () => true, ...(single ? { singleFile: SINGLE } : {}), write: (_records, sink) => write(sink) };
}

let t: TestApp;
let logs: { level: number; msg: string }[];

/** An app whose one route sends `f`, logging (as pino-http would) into `logs`. */
function appFor(f: ExportFormat, asZip: boolean) {
  const log = pino(
    { level: 'info' },
    new Writable({
      write(line, _enc, cb) {
        logs.push(JSON.parse(String(line)));
        cb();
      },
    }),
  );
  const app = express();
  app.use((req, _res, next) => {
    req.log = log;
    next();
  });
  app.get('/export', async (_req, res) => sendExport({ ...t.project, log }, f, res, asZip));
  app.use(errorHandler(() => t.dir));
  return app;
}

/** The app on a real port, for a client that reads part of a download or goes away. */
async function serve(app: express.Express): Promise<{ url: string; close(): Promise<unknown> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/export`,
    close() {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

const levelOf = (msg: RegExp) => logs.find((l) => msg.test(l.msg))?.level;
const INFO = 30;
const ERROR = 50;

beforeEach(async () => {
  t = await makeTestApp();
  logs = [];
});
afterEach(() => t.close());

describe('a failure before the first byte', () => {
  it('zip mode: a JSON 500, without the download headers', async () => {
    const res = await request(appFor(format(async () => Promise.reject(new Error('exporter bug'))), true)).get('/export');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['content-disposition']).toBeUndefined();
    expect(res.headers['filename']).toBeUndefined();
    expect(levelOf(/unhandled error/)).toBe(ERROR);
  });

  it('single-file mode: a JSON 500 instead of a dropped connection', async () => {
    const failing = format(async (sink) => {
      await sink.file('r.json', (async function* () {
        throw new Error('exporter bug');
      })());
    }, true);
    const res = await request(appFor(failing, false)).get('/export');
    expect(res.status).toBe(500);
    expect(res.headers['content-disposition']).toBeUndefined();
    expect(res.body.status).toBe(500);
    expect(levelOf(/unhandled error/)).toBe(ERROR);
  });
});

describe('a failure after the first byte', () => {
  it.each([
    ['single-file', false],
    ['zip', true],
  ])('%s mode: the download is cut short, and the error logged', async (_mode, asZip) => {
    const failing = format(async (sink) => {
      await sink.file('r.json', (async function* () {
        yield Buffer.alloc(200_000, 'x'); // enough to reach the client
        await new Promise((r) => setTimeout(r, 50));
        throw new Error('exporter bug');
      })());
    }, true);
    const server = await serve(appFor(failing, asZip));
    try {
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      await expect(res.arrayBuffer()).rejects.toThrow();
      expect(levelOf(/error after the response started/)).toBe(ERROR);
    } finally {
      await server.close();
    }
  });
});

it('a client that goes away stops the export, logged at info, not as an error', async () => {
  let stopped = false;
  const endless = format(async (sink) => {
    await sink.file('r.json', (async function* () {
      try {
        for (;;) {
          yield Buffer.alloc(64 * 1024, 'x');
          await new Promise((r) => setTimeout(r, 10));
        }
      } finally {
        stopped = true;
      }
    })());
  }, true);
  const server = await serve(appFor(endless, false));
  try {
    const client = new AbortController();
    const res = await fetch(server.url, { signal: client.signal });
    await res.body!.getReader().read();
    client.abort();
    for (let i = 0; i < 100 && !(stopped && levelOf(/abandoned/)); i++) await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(true);
    expect(levelOf(/TEST export abandoned by the client/)).toBe(INFO);
    expect(logs.filter((l) => l.level >= ERROR)).toEqual([]);
  } finally {
    await server.close();
  }
});

describe('HEAD', () => {
  it.each([
    ['single file', false, /^\d{4}(-\d\d){5}\.json$/, 'application/json; charset=utf-8'],
    ['zip', true, /^\d{4}(-\d\d){5}\.zip$/, 'application/zip'],
  ])('%s: the download headers, without running the export', async (_what, asZip, name, type) => {
    let ran = false;
    const watched = format(async () => {
      ran = true;
    }, true);
    const res = await request(appFor(watched, asZip)).head('/export');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['filename']).toMatch(name);
    expect(res.headers['content-disposition']).toBe(`attachment; filename=${res.headers['filename']}`);
    expect(ran).toBe(false);
  });

  it('through the real route', async () => {
    const res = await request(t.app).head('/api/project/export?format=JSON');
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename=.+\.json$/);
  });
});

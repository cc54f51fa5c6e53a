// Real ML backends on 127.0.0.1 for the tests: the example backend (examples/ml-backend/,
// the 0.8 protocol with a naive-Bayes model), a tiny v2 backend (label-studio-ml 2.x
// shapes: no /train, /webhook START_TRAINING, per-result model_version), and a scriptable
// one whose routes can answer, hang, or send garbage. Each records the calls it gets.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBackend } from '../../examples/ml-backend/backend.ts';

export interface Call {
  method: string;
  /** The path without the query. */
  path: string;
  query: string;
  body?: any;
  /** The request's headers (none recorded for the example backend). */
  headers: IncomingMessage['headers'];
}

export interface RunningBackend {
  url: string;
  calls: Call[];
  /** Calls to one path ("/predict"). */
  count(path: string): number;
  close(): Promise<void>;
}

async function listen(server: Server, calls: Call[]): Promise<RunningBackend> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    count: (path) => calls.filter((c) => c.path === path).length,
    close: () =>
      new Promise<void>((resolve) => {
        // Hanging requests too: their sockets are cut, so close() does not wait for them.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The example backend, as `npm run ml-backend` runs it, recording calls. */
export async function startExampleBackend(options: { modelDir?: string } = {}): Promise<RunningBackend> {
  const calls: Call[] = [];
  const server = createBackend({ ...options, onRequest: (call) => calls.push({ ...call, headers: {} }) });
  return listen(server, calls);
}

/** What a scripted route does: answer JSON (status, body), hang, or send text that is not JSON. */
export type Behaviour = { status?: number; json: unknown } | { status?: number; text: string } | 'hang' | ((call: Call) => { status?: number; json: unknown });

export interface ScriptedBackend extends RunningBackend {
  /** Changes what a route ("POST /predict") does from now on. */
  set(route: string, behaviour: Behaviour): void;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

/** A backend whose routes do what the test says; an unscripted route is a 404. */
export async function startScriptedBackend(routes: Record<string, Behaviour>): Promise<ScriptedBackend> {
  const calls: Call[] = [];
  const table = new Map(Object.entries(routes));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readBody(req).then((text) => {
      const url = new URL(req.url ?? '/', 'http://x');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const call: Call = { method: req.method ?? '', path: url.pathname, query: url.search, body, headers: req.headers };
      calls.push(call);
      const b = table.get(`${req.method} ${url.pathname}`);
      if (b === undefined) return void res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 404, detail: 'not found' }));
      if (b === 'hang') return; // never answered; close() cuts it
      const out = typeof b === 'function' ? b(call) : b;
      if ('text' in out) return void res.writeHead(out.status ?? 200, { 'content-type': 'text/html' }).end(out.text);
      res.writeHead(out.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(out.json));
    });
  });
  const running = await listen(server, calls);
  return { ...running, set: (route, behaviour) => void table.set(route, behaviour) };
}

/** The legacy routes that answer well, for a scripted backend to start from. */
export const HEALTHY_LEGACY: Record<string, Behaviour> = {
  'GET /health': { json: { status: 'UP', model_dir: '/models/scripted' } },
  'POST /setup': { json: { model_version: 'scripted-1' } },
  'GET /is_training': { json: { is_training: false } },
  'POST /predict': (call) => ({
    json: {
      results: (call.body?.tasks ?? []).map(() => ({ result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Neutral'] } }], score: 0.5 })),
      model_version: 'scripted-1',
    },
  }),
  'POST /train': { status: 201, json: {} },
};

/**
 * A tiny backend speaking label-studio-ml 2.x: /health with model_class, no /train or
 * /is_training (404), START_TRAINING through /webhook, and each result a list of
 * predictions carrying their own model_version (none at the top of the answer). Its
 * version goes up with each training, and its scores with it.
 */
export async function startV2Backend(): Promise<ScriptedBackend & { version(): string }> {
  let version = 1;
  const backend = await startScriptedBackend({
    'GET /health': { json: { status: 'UP', model_class: 'TinyV2' } },
    'POST /setup': () => ({ json: { model_version: `0.0.${version}` } }),
    'POST /predict': (call) => ({
      json: {
        results: (call.body?.tasks ?? []).map(() => [
          { model_version: `0.0.${version}`, score: 0.1 * version, result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Positive'] } }] },
        ]),
      },
    }),
    'POST /webhook': (call) => {
      if (call.body?.action !== 'START_TRAINING') return { status: 200, json: { status: 'Unknown event' } };
      version++;
      return { status: 201, json: { result: { trained: true }, status: 'ok' } };
    },
  });
  return { ...backend, version: () => `0.0.${version}` };
}

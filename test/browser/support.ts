// A real server (src/server.ts as a child process on 127.0.0.1) with a fresh project for
// the page tests, and requests to its API from the test (no Origin: as a script sends).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, waitForExit, type RunningServer } from '../helpers/server.ts';

export interface PageServer {
  server: RunningServer;
  base: string;
  api<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export async function startPageServer(env: Record<string, string> = {}): Promise<PageServer> {
  const root = await mkdtemp(join(tmpdir(), 'ls-pages-'));
  const server = await startServer({ PROJECTS_DIR: root, ...env });
  const api = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(server.base + path, {
      method,
      headers: { ...(body !== undefined && { 'Content-Type': typeof body === 'string' ? 'application/xml' : 'application/json' }), ...headers },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed as T };
  };
  return {
    server,
    base: server.base,
    api,
    async stop() {
      server.proc.kill('SIGTERM');
      await waitForExit(server.proc);
      await rm(root, { recursive: true, force: true });
    },
  };
}

const DEFAULT_CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="Positive"/>
    <Choice value="Negative"/>
    <Choice value="Neutral"/>
  </Choices>
</View>`;

/**
 * Back to a new project: no tasks (ids start from 0 again, reservations and completion
 * ids are forgotten), the sentiment config, deletes allowed, a plain instruction.
 */
export async function resetProject(s: PageServer): Promise<void> {
  const steps: [string, string, unknown][] = [
    ['DELETE', '/api/tasks', undefined],
    ['POST', '/api/project/config', DEFAULT_CONFIG],
    ['PATCH', '/api/project', { allow_delete_completions: true, instruction: 'Label the sentiment.' }],
  ];
  for (const [method, path, body] of steps) {
    const res = await s.api(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

export interface StoredCompletion {
  id: number;
  result: { value: { choices?: string[] } }[];
  was_cancelled?: boolean;
  completed_by?: string;
  lead_time?: number;
}

export interface StoredTaskView {
  id: number;
  data: Record<string, unknown>;
  completions?: StoredCompletion[];
}

/** A sentiment prediction as an ML backend (or an import) gives it. */
export function sentimentPrediction(choice: string, model = 'mock-model'): Record<string, unknown> {
  return { model_version: model, score: 0.9, result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [choice] } }] };
}

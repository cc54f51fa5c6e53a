// Two server processes on one PostgreSQL database (issue "One store interface, two
// engines"): annotators spread over both never get one task twice and every task gets
// exactly one completion; a server killed with SIGKILL mid-traffic loses no acknowledged
// write, and the other keeps serving throughout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, waitForExit, type RunningServer } from '../helpers/server.ts';
import { freshDatabase } from '../helpers/postgres.ts';

const completion = (choice: string) => ({ result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [choice] } }] });

async function post(base: string, path: string, body: unknown): Promise<Response> {
  return fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('two servers on one database', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const servers: RunningServer[] = [];
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    for (const s of servers) {
      if (s.proc.exitCode === null && s.proc.signalCode === null) {
        s.proc.kill('SIGTERM');
        await waitForExit(s.proc);
      }
    }
    await db.drop();
  });

  async function start(project: string): Promise<RunningServer> {
    const s = await startServer({ STORE_URL: db.url, PROJECT: project, PROJECTS_DIR: '/nonexistent', RESERVATION_SECONDS: '600' }, 30_000);
    servers.push(s);
    return s;
  }

  it('8 annotators over both label 500 tasks: no task handed to two, each labeled once', async () => {
    const a = await start('spread');
    const b = await start('spread');
    const imported = await post(a.base, '/api/project/import', Array.from({ length: 500 }, (_, i) => ({ text: `review ${i}` })));
    expect(imported.status).toBe(201);
    const handedTo = new Map<number, string>();
    const twice: string[] = [];
    const annotator = async (name: string, base: string) => {
      for (;;) {
        const next = await fetch(`${base}/api/project/next?annotator=${name}`);
        if (next.status === 404) return;
        expect(next.status).toBe(200);
        const task = (await next.json()) as { id: number };
        const holder = handedTo.get(task.id);
        if (holder !== undefined && holder !== name) twice.push(`${task.id}: ${holder} and ${name}`);
        handedTo.set(task.id, name);
        const saved = await post(base, `/api/tasks/${task.id}/completions`, completion('Positive'));
        expect(saved.status).toBe(201);
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, i) => annotator(`annotator${i}`, i % 2 ? b.base : a.base)));
    expect(twice).toEqual([]);
    expect(handedTo.size).toBe(500);
    const tasks = (await (await fetch(`${b.base}/api/tasks?page_size=1000`)).json()) as { id: number; completions?: unknown[] }[];
    expect(tasks).toHaveLength(500);
    expect(tasks.every((t) => t.completions?.length === 1)).toBe(true);
    // Both servers see the same counts.
    for (const s of [a, b]) {
      const project = (await (await fetch(`${s.base}/api/project`)).json()) as { task_count: number; completion_count: number };
      expect([project.task_count, project.completion_count]).toEqual([500, 500]);
    }
  }, 120_000);

  it('SIGKILL of one server mid-traffic: every acknowledged write is there; the other keeps serving', async () => {
    const a = await start('killed');
    const b = await start('killed');
    expect((await post(a.base, '/api/project/import', Array.from({ length: 400 }, (_, i) => ({ text: `t${i}` })))).status).toBe(201);
    const acknowledged = new Set<number>();
    const failuresOnB: string[] = [];
    let stop = false;
    const traffic = async (name: string, s: RunningServer, onB: boolean) => {
      while (!stop) {
        try {
          const next = await fetch(`${s.base}/api/project/next?annotator=${name}`);
          if (next.status === 404) return;
          const task = (await next.json()) as { id: number };
          const saved = await post(s.base, `/api/tasks/${task.id}/completions`, completion('Negative'));
          if (saved.status === 201) acknowledged.add(task.id);
          else if (onB) failuresOnB.push(`completion: ${saved.status}`);
          // Imports too, on both: their ids must survive as well.
          if (task.id % 10 === 0) {
            const imp = await post(s.base, '/api/project/import', [{ text: `late ${name} ${task.id}` }]);
            if (imp.status !== 201 && onB) failuresOnB.push(`import: ${imp.status}`);
          }
        } catch (err) {
          if (onB) failuresOnB.push(String(err)); // a dead server's connection error is expected only on A
          else return;
        }
      }
    };
    const runs = [
      ...Array.from({ length: 3 }, (_, i) => traffic(`a${i}`, a, false)),
      ...Array.from({ length: 3 }, (_, i) => traffic(`b${i}`, b, true)),
    ];
    // Let both serve, then kill A without warning.
    while (acknowledged.size < 60) await new Promise((r) => setTimeout(r, 20));
    a.proc.kill('SIGKILL');
    await waitForExit(a.proc);
    const atKill = acknowledged.size;
    while (acknowledged.size < atKill + 60) await new Promise((r) => setTimeout(r, 20));
    stop = true;
    await Promise.all(runs);
    expect(failuresOnB).toEqual([]);
    const completed = new Set(((await (await fetch(`${b.base}/api/completions`)).json()) as { ids: number[] }).ids);
    const lost = [...acknowledged].filter((id) => !completed.has(id));
    expect(lost).toEqual([]);
  }, 120_000);
});

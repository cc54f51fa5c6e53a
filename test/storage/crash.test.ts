// Crash test: a real server is killed with SIGKILL at random moments while clients import
// batches and post completions, 20 times in a row. After each restart every acknowledged
// write is present and every checkpoint file parses.
import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, waitForExit } from '../helpers/server.ts';

const ROUNDS = 20;

async function post(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json().catch(() => undefined) };
}

async function checkFilesParse(dir: string): Promise<void> {
  JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  const tasks = JSON.parse(await readFile(join(dir, 'tasks.json'), 'utf8'));
  expect(typeof tasks).toBe('object');
  for (const name of await readdir(join(dir, 'completions'))) {
    if (name.endsWith('.json')) JSON.parse(await readFile(join(dir, 'completions', name), 'utf8'));
  }
}

describe('crash safety', () => {
  it(`keeps every acknowledged write through ${ROUNDS} SIGKILLs`, async () => {
    const root = await mkdtemp(join(tmpdir(), 'ls-crash-'));
    const dir = join(root, 'default');
    const env = { PROJECTS_DIR: root, CHECKPOINT_BYTES: '24kb' };
    const ackedTasks = new Map<number, string>();
    const ackedCompletions: { task: number; id: number; mark: string }[] = [];
    let seq = 0;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const server = await startServer(env);
        // Everything acknowledged before the last kill is here.
        const list = (await (await fetch(`${server.base}/api/tasks?page_size=1000000`)).json()) as any[];
        const byId = new Map(list.map((t) => [t.id, t]));
        for (const [id, text] of ackedTasks) expect(byId.get(id)?.data?.text, `task ${id} after round ${round}`).toBe(text);
        for (const c of ackedCompletions) {
          const found = byId.get(c.task)?.completions?.find((x: any) => x.id === c.id);
          expect(found?.mark, `completion ${c.id} of task ${c.task} after round ${round}`).toBe(c.mark);
        }

        let stop = false;
        const importer = async (client: number) => {
          while (!stop) {
            const batch = Array.from({ length: 25 }, () => ({ text: `r${round}-c${client}-${seq++}` }));
            try {
              const r = await post(`${server.base}/api/project/import`, batch);
              if (r.status !== 201) continue;
              (r.json.new_task_ids as number[]).forEach((id, i) => ackedTasks.set(id, batch[i]!.text));
            } catch {
              return; // killed
            }
          }
        };
        const completer = async (client: number) => {
          while (!stop) {
            const ids = [...ackedTasks.keys()];
            if (ids.length === 0) {
              await new Promise((r) => setTimeout(r, 5));
              continue;
            }
            const task = ids[Math.floor(Math.random() * ids.length)]!;
            const mark = `m${round}-${client}-${seq++}`;
            try {
              const r = await post(`${server.base}/api/tasks/${task}/completions`, { mark, lead_time: 1, result: [] });
              if (r.status === 201) ackedCompletions.push({ task, id: r.json.id, mark });
            } catch {
              return;
            }
          }
        };
        const clients = [importer(0), importer(1), completer(0), completer(1), completer(2)];
        await new Promise((r) => setTimeout(r, 150 + Math.random() * 450));
        server.proc.kill('SIGKILL');
        stop = true;
        await waitForExit(server.proc);
        await Promise.all(clients);
        await checkFilesParse(dir);
      }
      // A last start to check the writes of the last round.
      const server = await startServer(env);
      const list = (await (await fetch(`${server.base}/api/tasks?page_size=1000000`)).json()) as any[];
      const byId = new Map(list.map((t) => [t.id, t]));
      for (const [id, text] of ackedTasks) expect(byId.get(id)?.data?.text).toBe(text);
      for (const c of ackedCompletions) expect(byId.get(c.task)?.completions?.find((x: any) => x.id === c.id)?.mark).toBe(c.mark);
      expect(ackedTasks.size).toBeGreaterThan(ROUNDS * 10);
      expect(ackedCompletions.length).toBeGreaterThan(ROUNDS * 5);
      // Completion ids within a task are unique.
      for (const t of list) {
        const ids = (t.completions ?? []).map((c: any) => c.id);
        expect(new Set(ids).size).toBe(ids.length);
      }
      server.proc.kill('SIGTERM');
      expect(await waitForExit(server.proc)).toBe(0);
      await checkFilesParse(dir);
      // A clean stop checkpoints everything and releases the lock.
      const tasksOnDisk = JSON.parse(await readFile(join(dir, 'tasks.json'), 'utf8'));
      expect(Object.keys(tasksOnDisk).length).toBe(list.length);
      expect(await readFile(join(dir, 'journal.jsonl'), 'utf8')).toBe('');
      expect((await readdir(dir)).includes('.lock')).toBe(false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 240_000);
});

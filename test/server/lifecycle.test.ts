// Start-up and shutdown of the real server process.
import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, waitForExit } from '../helpers/server.ts';

describe('server process', () => {
  it('creates the default project, refuses a second server on it, and stops cleanly on SIGTERM', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ls-life-'));
    try {
      const a = await startServer({ PROJECTS_DIR: root });
      const project = await (await fetch(`${a.base}/api/project`)).json();
      expect(project.project_name).toBe('default');
      expect(project.data_types).toEqual({ text: 'Text' });

      await expect(startServer({ PROJECTS_DIR: root })).rejects.toThrow(/in use by another server \(pid \d+\)/);

      // A slow client's request still gets its answer after SIGTERM arrives.
      const body = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ text: `t${i}` })));
      const pending = fetch(`${a.base}/api/project/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await new Promise((r) => setTimeout(r, 5));
      a.proc.kill('SIGTERM');
      const res = await pending;
      expect(res.status).toBe(201);
      expect((await res.json()).task_count).toBe(2000);
      expect(await waitForExit(a.proc)).toBe(0);

      const dir = join(root, 'default');
      expect(Object.keys(JSON.parse(await readFile(join(dir, 'tasks.json'), 'utf8')))).toHaveLength(2000);
      expect(await readdir(dir)).not.toContain('.lock');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);
});

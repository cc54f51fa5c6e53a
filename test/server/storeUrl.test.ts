// STORE_URL and a database that is not there (issue "One store interface, two engines"): a
// bad URL stops the start with a message naming STORE_URL; a database down at start, or
// gone while serving, gives 503 answers naming STORE_URL meanwhile (never a hang), and
// the server serves again once it is back, without a restart.
import { afterAll, describe, expect, it } from 'vitest';
import { runServerToExit, startServer, waitForExit, type RunningServer } from '../helpers/server.ts';
import { TestCluster } from '../helpers/pgCluster.ts';

async function timedGet(url: string): Promise<{ status: number; body: { code?: string; detail?: string }; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
  return { status: res.status, body: (await res.json()) as { code?: string; detail?: string }, ms: performance.now() - t0 };
}

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not within ${ms} ms`);
}

describe('STORE_URL', () => {
  let cluster: TestCluster | undefined;
  let server: RunningServer | undefined;
  afterAll(async () => {
    if (server) {
      server.proc.kill('SIGTERM');
      await waitForExit(server.proc);
    }
    await cluster?.destroy();
  });

  it('a URL that is not PostgreSQL stops the start, naming STORE_URL', async () => {
    const run = await runServerToExit({ STORE_URL: 'mysql://user@127.0.0.1/db', PORT: '0' });
    expect(run.code).toBe(1);
    expect(run.stderr + run.stdout).toMatch(/STORE_URL must start with postgres:\/\//);
  });

  it('a database down at start: 503 naming STORE_URL at once; served once it is up; 503 again while it is gone', async () => {
    cluster = await TestCluster.create();
    await cluster.stop();
    server = await startServer({ STORE_URL: cluster.url(), PROJECTS_DIR: '/nonexistent' }, 30_000);
    const down = await timedGet(`${server.base}/api/project`);
    expect(down.status).toBe(503);
    expect(down.body.code).toBe('storage_unavailable');
    expect(down.body.detail).toContain('STORE_URL');
    expect(down.body.detail).not.toContain('password');
    expect(down.ms).toBeLessThan(2000);
    // Health stays up: the server is.
    expect((await fetch(`${server.base}/api/health`)).status).toBe(200);

    await cluster.start();
    await until(async () => (await fetch(`${server!.base}/api/project`)).status === 200, 20_000);
    const imported = await fetch(`${server.base}/api/project/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[{"text": "a"}]' });
    expect(imported.status).toBe(201);

    // Gone while serving: 503s within the timeouts, then back without a restart.
    await cluster.stop();
    const gone = await timedGet(`${server.base}/api/tasks`);
    expect(gone.status).toBe(503);
    expect(gone.body.code).toBe('storage_unavailable');
    expect(gone.ms).toBeLessThan(10_000);
    await cluster.start();
    await until(async () => (await fetch(`${server!.base}/api/tasks`)).status === 200, 20_000);
    expect(((await (await fetch(`${server.base}/api/tasks`)).json()) as { data: { text: string } }[]).map((t) => t.data.text)).toEqual(['a']);
  }, 120_000);
});

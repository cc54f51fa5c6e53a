// Builds a project of 200,000 tasks (a quarter of them labeled) on a real server, then
// measures /api/project/next and /api/tasks?order=-completed_at latency (p50, p99).
// Usage: npx tsx bench/read-latency.ts [tasks=200000] [requests=2000]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, waitForExit } from '../test/helpers/server.ts';

const total = Number(process.argv[2] ?? 200_000);
const requests = Number(process.argv[3] ?? 2000);

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const root = await mkdtemp(join(tmpdir(), 'ls-bench-read-'));
const server = await startServer({ PROJECTS_DIR: root });
const base = server.base;
for (let n = 0; n < total; n += 1000) {
  const batch = Array.from({ length: 1000 }, (_, i) => {
    const id = n + i;
    const task: Record<string, unknown> = { data: { text: `Task ${id}` } };
    // Every fourth task comes with a completion, so -completed_at has a quarter to sort.
    if (id % 4 === 0) task.completions = [{ lead_time: 1, result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Positive'] } }] }];
    return task;
  });
  const r = await fetch(`${base}/api/project/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
  if (r.status !== 201) throw new Error(`${r.status} ${await r.text()}`);
}

async function measure(name: string, path: (i: number) => string): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < requests; i++) {
    const t0 = performance.now();
    const r = await fetch(base + path(i));
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${name}: ${r.status}`);
    times.push(performance.now() - t0);
  }
  console.log(`${name.padEnd(48)} p50 ${percentile(times, 50).toFixed(2)} ms  p99 ${percentile(times, 99).toFixed(2)} ms`);
}

console.log(`project: ${total} tasks, ${total / 4} labeled; ${requests} requests each`);
await measure('GET /api/project/next', () => '/api/project/next');
await measure('GET /api/project/next?annotator=<one of 50>', (i) => `/api/project/next?annotator=a${i % 50}`);
await measure('GET /api/tasks?order=-completed_at (page 1)', () => '/api/tasks?page=1&page_size=10&order=-completed_at');
await measure('GET /api/tasks?order=-completed_at (random page)', (i) => `/api/tasks?page=${1 + ((i * 7919) % (total / 10))}&page_size=10&order=-completed_at`);
await measure('GET /api/project', () => '/api/project');
server.proc.kill('SIGTERM');
await waitForExit(server.proc);
await rm(root, { recursive: true, force: true });

// The "million tasks" table (issue "A million tasks in flat memory, with flat tails"), in
// one run on a fresh folder:
//   1. an empty server's /api/health p99 (the reference the read tails are held to);
//   2. import N tasks (default 1,000,000) in 10,000-task batches of ~200-byte texts, 1% of
//      them with a completion; the ratio of the median time of the last 10 batches to the
//      first 10; the server's RSS after the import;
//   3. p50/p99 with one client (keep-alive, one request at a time) of next, a task page in
//      -completed_at order, one task, and /api/health;
//   4. shutdown time (SIGTERM to exit), restart time (spawn to health answering), their sum
//      (the "SIGTERM → health answers again"), RSS after the restart.
// Runs the compiled server (dist/, as npm start does; `npm run build` after changes).
// Usage: npx tsx bench/scale.ts [tasks=1000000] [requests=3000]
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, waitForExit, type RunningServer } from '../test/helpers/server.ts';

const total = Number(process.argv[2] ?? 1_000_000);
const requests = Number(process.argv[3] ?? 3000);
const BATCH = 10_000;

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const median = (xs: number[]) => percentile(xs, 50);

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function latency(base: string, path: (i: number) => string): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < requests; i++) {
    const t0 = performance.now();
    const r = await fetch(base + path(i));
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${path(i)}: ${r.status}`);
    times.push(performance.now() - t0);
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

const env = (root: string) => ({ PROJECTS_DIR: root, LOG_LEVEL: 'warn' });

// 1. The reference: an empty server's health tail.
const emptyRoot = await mkdtemp(join(tmpdir(), 'ls-scale-empty-'));
let server: RunningServer = await startServer(env(emptyRoot), 20_000, { dist: true });
await latency(server.base, () => '/api/health'); // warm up
const emptyHealth = await latency(server.base, () => '/api/health');
server.proc.kill('SIGTERM');
await waitForExit(server.proc);
await rm(emptyRoot, { recursive: true, force: true });

// 2. The import.
const root = await mkdtemp(join(tmpdir(), 'ls-scale-'));
server = await startServer(env(root), 20_000, { dist: true });
const pad = 'x'.repeat(180);
const batchMs: number[] = [];
for (let n = 0; n < total; n += BATCH) {
  const size = Math.min(BATCH, total - n);
  const batch = Array.from({ length: size }, (_, i) => {
    const id = n + i;
    const task: Record<string, unknown> = { data: { text: `Task ${id} ${pad}` } };
    if (id % 100 === 0) task.completions = [{ lead_time: 1, result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Positive'] } }] }];
    return task;
  });
  const body = JSON.stringify(batch);
  const t0 = performance.now();
  const r = await fetch(`${server.base}/api/project/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await r.arrayBuffer();
  batchMs.push(performance.now() - t0);
  if (r.status !== 201) throw new Error(`import: ${r.status}`);
  if ((n / BATCH) % 20 === 19) console.error(`  ${n + size} tasks imported`);
}
const first10 = median(batchMs.slice(0, 10));
const last10 = median(batchMs.slice(-10));
// Settle: whatever the import left for the collector is collected before RSS is read.
await new Promise((r) => setTimeout(r, 2000));
const rssAfterImport = await rssMb(server.proc.pid!);

// 3. Read tails, one client.
const pages = Math.max(1, Math.floor(total / 10));
await latency(server.base, () => '/api/health'); // warm up
const reads = {
  next: await latency(server.base, () => '/api/project/next'),
  page: await latency(server.base, (i) => `/api/tasks?page=${1 + ((i * 7919) % pages)}&page_size=10&order=-completed_at`),
  task: await latency(server.base, (i) => `/api/tasks/${(i * 104_729) % total}`),
  health: await latency(server.base, () => '/api/health'),
};

// 4. Shutdown and restart.
let t0 = performance.now();
server.proc.kill('SIGTERM');
const shutdownCode = await waitForExit(server.proc);
const shutdownS = (performance.now() - t0) / 1000;
// A shutdown that failed its checkpoint is quick and makes the next start slow: not a figure.
if (shutdownCode !== 0) throw new Error(`shutdown exited with ${shutdownCode}:\n${server.output()}`);
t0 = performance.now();
server = await startServer(env(root), 120_000, { dist: true });
const restartS = (performance.now() - t0) / 1000;
await new Promise((r) => setTimeout(r, 2000));
const rssAfterRestart = await rssMb(server.proc.pid!);
server.proc.kill('SIGTERM');
await waitForExit(server.proc);
await rm(root, { recursive: true, force: true });

const ms = (x: number) => `${x.toFixed(2)} ms`;
const limit = emptyHealth.p99 * 1.5;
const rows: [string, string, string][] = [
  ['server RSS after the import', `${rssAfterImport.toFixed(0)} MB`, '≤ 600 MB'],
  ['RSS after a restart', `${rssAfterRestart.toFixed(0)} MB`, '≤ 500 MB'],
  ['import, last 10 batches / first 10', `${(last10 / first10).toFixed(2)} (${first10.toFixed(0)} → ${last10.toFixed(0)} ms)`, '≤ 1.2'],
  ['next p50 / p99', `${ms(reads.next.p50)} / ${ms(reads.next.p99)}`, `p99 ≤ ${ms(limit)}`],
  ['task page -completed_at p50 / p99', `${ms(reads.page.p50)} / ${ms(reads.page.p99)}`, `p99 ≤ ${ms(limit)}`],
  ['one task p50 / p99', `${ms(reads.task.p50)} / ${ms(reads.task.p99)}`, `p99 ≤ ${ms(limit)}`],
  ['/api/health p50 / p99 (this project)', `${ms(reads.health.p50)} / ${ms(reads.health.p99)}`, ''],
  ['/api/health p50 / p99 (empty server)', `${ms(emptyHealth.p50)} / ${ms(emptyHealth.p99)}`, 'the reference'],
  ['shutdown (SIGTERM → exit)', `${shutdownS.toFixed(1)} s`, '≤ 3 s'],
  ['restart (spawn → health answers)', `${restartS.toFixed(1)} s`, ''],
  ['SIGTERM → health answers again (shutdown + restart)', `${(shutdownS + restartS).toFixed(1)} s`, '≤ 4 s'],
];
console.log(`\n${total.toLocaleString('en')} tasks (${BATCH.toLocaleString('en')}-task batches, ~200-byte texts, 1% labeled); ${requests} requests per read`);
console.log(`| figure | measured | target |\n|---|---|---|`);
for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);

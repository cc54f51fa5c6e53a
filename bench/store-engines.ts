// The store engines side by side, through the ProjectStore interface (no HTTP): imports
// 1,000-task batches up to 200,000 tasks (a quarter with a completion, as
// read-latency.ts), then measures next() and a task page in -completed_at order (p50, p99).
//
// Usage: npx tsx bench/store-engines.ts [engines=postgres,folder] [tasks=200000] [requests=2000]
//   postgres: STORE_URL's server when set (a fresh database is created on it), otherwise a
//   throwaway cluster started here with fsync on (BENCH_FSYNC=off for one without).
//   folder: the folder engine, once it implements ProjectStore (storage/folder/folderStore.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { CompletionFile, SamplingMethod, Task } from '../src/domain/types.ts';
import type { ProjectStore } from '../src/storage/store.ts';
import { openPostgresStore } from '../src/storage/postgres/index.ts';
import { TestCluster } from '../test/helpers/pgCluster.ts';

const engines = (process.argv[2] ?? 'postgres,folder').split(',');
const total = Number(process.argv[3] ?? 200_000);
const requests = Number(process.argv[4] ?? 2000);
const BATCH = 1000;
const RESERVATION_MS = 600_000;

interface Engine {
  open(): Promise<ProjectStore>;
  cleanup(): Promise<void>;
}

const ENGINES: Record<string, () => Promise<Engine | string>> = {
  async postgres() {
    let cluster: TestCluster | undefined;
    let adminUrl = process.env.STORE_URL;
    if (!adminUrl) {
      cluster = await TestCluster.create({ durable: process.env.BENCH_FSYNC !== 'off' });
      adminUrl = cluster.url();
    }
    const name = `ls_bench_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return {
      open: () => openPostgresStore({ url: url.toString(), project: 'bench', reservationMs: RESERVATION_MS, create: true }),
      async cleanup() {
        const c = new pg.Client({ connectionString: adminUrl });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
        await cluster?.destroy();
      },
    };
  },
  async folder() {
    // Loaded by path: the folder engine implements ProjectStore only once the store
    // interface work lands (storage/folder/folderStore.ts).
    const path = '../src/storage/folder/folderStore.ts';
    const mod = (await import(path).catch(() => undefined)) as { FolderStore?: { open(dir: string, name: string, o: object): Promise<ProjectStore> } } | undefined;
    if (!mod?.FolderStore) return 'the folder engine does not implement ProjectStore on this branch yet';
    const root = await mkdtemp(join(tmpdir(), 'ls-bench-engines-'));
    return {
      open: () => mod.FolderStore!.open(join(root, 'bench'), 'bench', { create: true, reservationMs: RESERVATION_MS }),
      cleanup: () => rm(root, { recursive: true, force: true }),
    };
  },
};

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** A batch as the import service builds it: every fourth task with one completion. */
function batch(first: number): { tasks: Task[]; files: CompletionFile[] } {
  const now = Math.floor(Date.now() / 1000);
  const tasks: Task[] = [];
  const files: CompletionFile[] = [];
  for (let i = 0; i < BATCH; i++) {
    const id = first + i;
    const data = { text: `Review ${id}: the soup was ${['cold', 'hot', 'fine'][id % 3]} and the service ${id % 7 ? 'slow' : 'quick'}.` };
    tasks.push({ id, data });
    if (id % 4 === 0) {
      files.push({
        completions: [{ created_at: now - (id % 1000), id: id * 1000 + 1, lead_time: 1, result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Positive'] } }] }],
        data,
        id,
      });
    }
  }
  return { tasks, files };
}

type Row = [engine: string, metric: string, value: string];

async function measure(rows: Row[], engine: string, name: string, n: number, call: (i: number) => Promise<unknown>): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call(i);
    times.push(performance.now() - t0);
  }
  rows.push([engine, name, `p50 ${percentile(times, 50).toFixed(2)} ms  p99 ${percentile(times, 99).toFixed(2)} ms`]);
}

async function run(engineName: string, rows: Row[]): Promise<void> {
  const made = await ENGINES[engineName]!();
  if (typeof made === 'string') {
    rows.push([engineName, 'skipped', made]);
    return;
  }
  const store = await made.open();
  try {
    const latencies: number[] = [];
    const started = performance.now();
    for (let n = 0; n < total; n += BATCH) {
      const t0 = performance.now();
      await store.addTasks(batch);
      latencies.push(performance.now() - t0);
    }
    const seconds = (performance.now() - started) / 1000;
    rows.push([engineName, `import ${total} tasks in batches of ${BATCH}`, `${(total / seconds).toFixed(0)} tasks/s (${seconds.toFixed(1)} s; batch p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, last ${latencies.at(-1)!.toFixed(1)} ms)`]);
    const counts = await store.counts();
    if (counts.tasks !== total) throw new Error(`${engineName}: ${counts.tasks} tasks stored, expected ${total}`);

    const next = (annotator: string | undefined, sampling: SamplingMethod = 'sequential') => store.next(annotator, sampling);
    await measure(rows, engineName, 'next (no annotator)', requests, () => next(undefined));
    await measure(rows, engineName, 'next (one of 50 annotators, renewing)', requests, (i) => next(`a${i % 50}`));
    await measure(rows, engineName, 'next (a new annotator each call)', Math.min(requests, 500), (i) => next(`new${i}`));
    await measure(rows, engineName, 'next uniform (one of 50 annotators)', requests, (i) => next(`u${i % 50}`, 'uniform'));
    await measure(rows, engineName, 'page -completed_at, page 1', requests, () => store.page('-completed_at', 0, 10));
    await measure(rows, engineName, 'page -completed_at, random page', requests, (i) => store.page('-completed_at', ((i * 7919) % (total / 10)) * 10, 10));
    await measure(rows, engineName, 'page -completed_at, random page in the labeled part', requests, (i) => store.page('-completed_at', ((i * 7919) % (total / 40)) * 10, 10));
    await measure(rows, engineName, 'counts', requests, () => store.counts());
    await measure(rows, engineName, 'configFacts', Math.min(requests, 500), () => store.configFacts());
  } finally {
    await store.close({ checkpoint: false });
    await made.cleanup();
  }
}

const rows: Row[] = [];
for (const e of engines) {
  if (!ENGINES[e]) throw new Error(`Unknown engine ${e}: use ${Object.keys(ENGINES).join(', ')}`);
  await run(e, rows);
}
console.log(`${total} tasks (${total / 4} labeled), ${requests} requests per figure`);
const width = Math.max(...rows.map((r) => r[1].length));
for (const [engine, metric, value] of rows) console.log(`${engine.padEnd(9)} ${metric.padEnd(width)}  ${value}`);

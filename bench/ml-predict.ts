// A prediction job over a big project on a real server, with the example ML backend (a
// real HTTP server in this process): how long all_tasks takes, how many /predict calls it
// makes, and what /api/project/next costs while the job runs (the job runs in the
// background; no request waits for it).
// Usage: npx tsx bench/ml-predict.ts [tasks=100000] [requests=500]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, waitForExit } from '../test/helpers/server.ts';
import { startExampleBackend } from '../test/helpers/mlBackends.ts';

const total = Number(process.argv[2] ?? 100_000);
const requests = Number(process.argv[3] ?? 500);
const WORDS = ['great', 'awful', 'lovely', 'rude', 'cold', 'friendly', 'coffee', 'staff', 'soup', 'view'];

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const root = await mkdtemp(join(tmpdir(), 'ls-bench-ml-'));
const backend = await startExampleBackend();
const server = await startServer({ PROJECTS_DIR: root, LOG_LEVEL: 'error' });
const base = server.base;
const post = async (path: string, body?: unknown) => {
  const r = await fetch(base + path, { method: 'POST', ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  const json = (await r.json()) as any;
  if (r.status >= 300) throw new Error(`${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
};
const waitJob = async (id: string) => {
  for (;;) {
    const job = (await (await fetch(`${base}/api/models/jobs/${id}`)).json()) as any;
    if (job.status !== 'queued' && job.status !== 'running') return job;
    await new Promise((r) => setTimeout(r, 100));
  }
};

for (let n = 0; n < total; n += 1000) {
  await post('/api/project/import', Array.from({ length: Math.min(1000, total - n) }, (_, i) => ({ text: `${WORDS[(n + i) % 10]} ${WORDS[(n + i * 7) % 10]} #${n + i}` })));
}
await post('/api/models', { name: 'nb', url: backend.url });
for (const [id, choice] of [[0, 'Positive'], [1, 'Negative'], [2, 'Positive'], [3, 'Negative']] as const) {
  await post(`/api/tasks/${id}/completions`, { result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [choice] } }] });
}
await waitJob((await post('/api/models/train')).job.id);

const before = backend.count('/predict');
const t0 = performance.now();
const started = await post('/api/models/predictions?mode=all_tasks');
const answeredMs = performance.now() - t0;
const times: number[] = [];
let done = false;
const finished = waitJob(started.job.id).then((job) => {
  done = true;
  return job;
});
while (!done && times.length < requests) {
  const s = performance.now();
  const r = await fetch(`${base}/api/project/next?annotator=a${times.length % 20}`);
  await r.arrayBuffer();
  times.push(performance.now() - s);
}
const job = await finished;
const jobMs = performance.now() - t0;
console.log(`project: ${total} tasks; POST all_tasks answered in ${answeredMs.toFixed(1)} ms`);
console.log(`job ${job.status}: ${job.predicted} tasks predicted in ${(jobMs / 1000).toFixed(1)} s, ${backend.count('/predict') - before} /predict calls (batch ${Math.ceil(total / (backend.count('/predict') - before))})`);
if (times.length) console.log(`GET /api/project/next during the job (${times.length} requests): p50 ${percentile(times, 50).toFixed(2)} ms  p99 ${percentile(times, 99).toFixed(2)} ms`);
server.proc.kill('SIGTERM');
await waitForExit(server.proc);
await backend.close();
await rm(root, { recursive: true, force: true });

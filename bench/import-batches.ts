// Imports 1,000-task batches into a fresh project on a real server until it holds
// 200,000 tasks; prints the latency of the first and last batches and tasks/s.
// Usage: npx tsx bench/import-batches.ts [total=200000] [batch=1000]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, waitForExit } from '../test/helpers/server.ts';

const total = Number(process.argv[2] ?? 200_000);
const batchSize = Number(process.argv[3] ?? 1000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const root = await mkdtemp(join(tmpdir(), 'ls-bench-import-'));
const server = await startServer({ PROJECTS_DIR: root, ...(process.env.CHECKPOINT_BYTES ? { CHECKPOINT_BYTES: process.env.CHECKPOINT_BYTES } : {}) });
const latencies: number[] = [];
const started = performance.now();
let n = 0;
for (let b = 0; n < total; b++) {
  const batch = Array.from({ length: batchSize }, (_, i) => ({
    data: { text: `Review ${n + i}: the soup was ${['cold', 'hot', 'fine'][(n + i) % 3]} and the service ${(n + i) % 7 ? 'slow' : 'quick'}.` },
  }));
  const t0 = performance.now();
  const r = await fetch(`${server.base}/api/project/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
  if (r.status !== 201) throw new Error(`batch ${b}: ${r.status} ${await r.text()}`);
  await r.arrayBuffer();
  latencies.push(performance.now() - t0);
  n += batchSize;
}
const seconds = (performance.now() - started) / 1000;
if (process.env.BUCKETS) for (let i = 0; i < latencies.length; i += 50) console.log(`batches ${i}-${i + 49}: median ${median(latencies.slice(i, i + 50)).toFixed(1)} ms, max ${Math.max(...latencies.slice(i, i + 50)).toFixed(1)} ms`);
const first10 = median(latencies.slice(0, 10));
const last10 = median(latencies.slice(-10));
console.log(`imported ${n} tasks in ${latencies.length} batches of ${batchSize}`);
console.log(`first batch ${latencies[0]!.toFixed(1)} ms, last batch ${latencies.at(-1)!.toFixed(1)} ms`);
console.log(`median of first 10 batches ${first10.toFixed(1)} ms, of last 10 ${last10.toFixed(1)} ms, ratio last/first ${(last10 / first10).toFixed(2)}`);
console.log(`throughput ${(n / seconds).toFixed(0)} tasks/s over ${seconds.toFixed(1)} s`);
const stopped = performance.now();
server.proc.kill('SIGTERM');
const code = await waitForExit(server.proc);
console.log(`server stopped with code ${code} after ${((performance.now() - stopped) / 1000).toFixed(1)} s (checkpoint at shutdown)`);
if (code !== 0) process.exitCode = 1;
await rm(root, { recursive: true, force: true });

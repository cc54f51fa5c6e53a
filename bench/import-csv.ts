// Imports one generated CSV of about 200 MB (250,000 rows, the default task limit) into a
// fresh project on a real server, as a multipart upload streamed from disk; prints the
// seconds the import took and the server's resident memory before and at its peak.
// Usage: npx tsx bench/import-csv.ts [megabytes=200] [rows=250000]
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { startServer, waitForExit } from '../test/helpers/server.ts';

const megabytes = Number(process.argv[2] ?? 200);
const rows = Number(process.argv[3] ?? 250_000);
const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;

/** Writes rows of text,score,label,flag; the text is sized so the file comes to `megabytes`. */
async function generateCsv(path: string): Promise<number> {
  const out = createWriteStream(path);
  const words = ['soup', 'service', 'waiter', 'cold', 'great', 'slow', 'fresh', 'price', 'table', 'dessert', 'again', 'never'];
  const textLength = Math.max(10, Math.floor((megabytes * 1e6) / rows) - 20);
  out.write('text,score,label,flag\n');
  for (let i = 0; i < rows; i++) {
    let text = `Review ${i}:`;
    for (let w = i; text.length < textLength; w = (w * 7 + 3) % 9973) text += ' ' + words[w % words.length];
    // Every 10th text is quoted and holds a comma and an escaped quote, as real exports do.
    const cell = i % 10 === 0 ? `"${text.slice(0, textLength - 12)}, ""quoted"""` : text.slice(0, textLength);
    const line = `${cell},${i % 5},${['pos', 'neg', 'neutral'][i % 3]},${i % 2 ? 'True' : 'False'}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return (await stat(path)).size;
}

function memory(pid: number): Promise<{ rss: number; hwm: number }> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((s) => {
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  });
}

const work = await mkdtemp(join(tmpdir(), 'ls-bench-csv-'));
const csv = join(work, 'reviews.csv');
const size = await generateCsv(csv);
console.log(`generated ${csv}: ${size} bytes (${mb(size)}), ${rows} rows`);

const server = await startServer({ PROJECTS_DIR: join(work, 'projects') });
const pid = server.proc.pid!;
const before = await memory(pid);
let sampledPeak = before.rss;
const sampler = setInterval(() => {
  void memory(pid)
    .then((m) => (sampledPeak = Math.max(sampledPeak, m.rss)))
    .catch(() => {});
}, 100);

const form = new FormData();
form.append('file', await openAsBlob(csv), 'reviews.csv');
const t0 = performance.now();
const res = await fetch(`${server.base}/api/project/import`, { method: 'POST', body: form });
const body = (await res.json()) as { task_count?: number; new_task_ids?: number[] };
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
const after = await memory(pid);
if (res.status !== 201) throw new Error(`import failed: ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
const project = (await (await fetch(`${server.base}/api/project`)).json()) as { task_count: number };

console.log(`status ${res.status}, task_count ${body.task_count}, project now holds ${project.task_count} tasks`);
console.log(`import took ${seconds.toFixed(1)} s (${(size / 1e6 / seconds).toFixed(1)} MB/s)`);
console.log(`server RSS before ${mb(before.rss)}, after ${mb(after.rss)}, peak ${mb(Math.max(after.hwm, sampledPeak))} (VmHWM ${after.hwm} bytes)`);

server.proc.kill('SIGTERM');
await waitForExit(server.proc);
await rm(work, { recursive: true, force: true });

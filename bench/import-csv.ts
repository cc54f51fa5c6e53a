// Imports one generated file of about 200 MB (250,000 rows, the default task limit) into a
// fresh project on a real server, as a multipart upload streamed from disk; prints the
// seconds the import took and the server's resident memory before, after and at its peak.
// CSV by default; with "json" as third argument the same rows go in as a JSON array.
// Usage: npx tsx bench/import-csv.ts [megabytes=200] [rows=250000] [csv|json]
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { startServer, waitForExit } from '../test/helpers/server.ts';

const megabytes = Number(process.argv[2] ?? 200);
const rows = Number(process.argv[3] ?? 250_000);
const format = process.argv[4] === 'json' ? 'json' : 'csv';
const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;

/**
 * Writes rows of text, score, label, flag: as CSV (every 10th text quoted, holding a comma
 * and an escaped quote, as real exports have) or as a JSON array. The text is sized so the
 * file comes to about `megabytes` million bytes.
 */
async function generate(path: string): Promise<number> {
  const out = createWriteStream(path);
  const words = ['soup', 'service', 'waiter', 'cold', 'great', 'slow', 'fresh', 'price', 'table', 'dessert', 'again', 'never'];
  const overhead = format === 'csv' ? 13 : 54;
  const textLength = Math.max(20, Math.floor((megabytes * 1e6) / rows) - overhead);
  out.write(format === 'csv' ? 'text,score,label,flag\n' : '[\n');
  for (let i = 0; i < rows; i++) {
    let text = `Review ${i}:`;
    for (let w = i; text.length < textLength; w = (w * 7 + 3) % 9973) text += ' ' + words[w % words.length];
    text = text.slice(0, textLength);
    const score = i % 5;
    const label = ['pos', 'neg', 'neutral'][i % 3]!;
    const flag = i % 2 === 1;
    let line: string;
    if (format === 'json') line = `${i ? ',\n' : ''}${JSON.stringify({ text, score, label, flag })}`;
    else line = `${i % 10 === 0 ? `"${text.slice(0, -12)}, ""quoted"""` : text},${score},${label},${flag ? 'True' : 'False'}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end(format === 'json' ? '\n]\n' : '');
  await once(out, 'finish');
  return (await stat(path)).size;
}

function memory(pid: number): Promise<{ rss: number; hwm: number }> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((s) => {
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  });
}

const work = await mkdtemp(join(tmpdir(), 'ls-bench-import-'));
const file = join(work, `reviews.${format}`);
const size = await generate(file);
console.log(`generated ${file}: ${size} bytes (${mb(size)}), ${rows} rows`);

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
form.append('file', await openAsBlob(file), `reviews.${format}`);
const t0 = performance.now();
const res = await fetch(`${server.base}/api/project/import`, { method: 'POST', body: form });
const body = (await res.json()) as { task_count?: number };
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

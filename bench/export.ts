// Exports a project of 200,000 labeled tasks as JSON and as CSV from a real server (a
// child process) and prints, per format: seconds, bytes, the server's peak RSS during the
// export (sampled from /proc/<pid>/status) against its RSS before, and the latency of
// GET /api/health requests sent while the export runs.
// Usage: npx tsx bench/export.ts [tasks=200000]
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../test/helpers/server.ts';
import { DEFAULT_LABEL_CONFIG } from '../src/storage/defaults.ts';

const total = Number(process.argv[2] ?? 200_000);

const CONFIG = DEFAULT_LABEL_CONFIG;

/** The project folder as Label Studio 0.8 leaves it: tasks.json (one task a line) and completions/<id>.json. */
async function writeProject(dir: string): Promise<void> {
  await mkdir(join(dir, 'completions'), { recursive: true });
  await writeFile(join(dir, 'config.json'), '{}');
  await writeFile(join(dir, 'config.xml'), CONFIG);
  const lines: string[] = [];
  const choices = ['Positive', 'Negative', 'Neutral'];
  const pending: Promise<void>[] = [];
  for (let id = 0; id < total; id++) {
    const data = { text: `Review ${id}: the product arrived on time, works as described, would buy again (${id % 97}).` };
    lines.push(`"${id}": ${JSON.stringify({ data, id })}`);
    const file = {
      completions: [
        {
          created_at: 1606860000 + id,
          id: id * 1000 + 1,
          lead_time: 2.5,
          result: [{ from_name: 'sentiment', id: `r${id}`, to_name: 'text', type: 'choices', value: { choices: [choices[id % 3]] } }],
        },
      ],
      data,
      id,
    };
    pending.push(writeFile(join(dir, 'completions', `${id}.json`), JSON.stringify(file, null, 2)));
    if (pending.length >= 256) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  await writeFile(join(dir, 'tasks.json'), '{\n' + lines.join(',\n') + '\n}\n');
}

async function memory(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
}

const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MB`;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function measureExport(base: string, pid: number, format: string): Promise<void> {
  const before = await memory(pid);
  let peak = before.rss;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, (await memory(pid)).rss);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const latencies: number[] = [];
  let failures = 0;
  const prober = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const r = await fetch(`${base}/api/health`);
        await r.arrayBuffer();
        if (running) latencies.push(performance.now() - t0);
      } catch {
        failures++;
      }
      await new Promise((r2) => setTimeout(r2, 50));
    }
  })();
  const t0 = performance.now();
  let bytes = 0;
  let tail = '';
  let seconds: number;
  try {
    const res = await fetch(`${base}/api/project/export?format=${format}`);
    if (res.status !== 200) throw new Error(`${format}: ${res.status} ${await res.text()}`);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      tail = (tail + Buffer.from(chunk).toString('latin1')).slice(-64);
    }
    seconds = (performance.now() - t0) / 1000;
  } finally {
    running = false;
    await Promise.all([sampler, prober]);
  }
  const after = await memory(pid);
  console.log(
    `${format.padEnd(10)} ${seconds.toFixed(2)} s  ${mb(bytes)}  RSS before ${mb(before.rss)}, peak during export ${mb(peak)} (+${mb(peak - before.rss)}), VmHWM ${mb(after.hwm)}  ` +
      `/api/health during export: ${latencies.length} requests, p50 ${percentile(latencies, 50).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms` +
      (failures ? `, ${failures} failed` : ''),
  );
  if (!format.includes('zip')) console.log(`           ends with ${JSON.stringify(tail.slice(-40))}`);
}

const root = await mkdtemp(join(tmpdir(), 'ls-bench-export-'));
try {
  let t = performance.now();
  await writeProject(join(root, 'default'));
  console.log(`project: ${total} tasks with one completion each, written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  // Loading 200,000 completion files takes a while: a generous start-up limit.
  const { proc, base } = await startServer({ PROJECTS_DIR: root }, 300_000);
  console.log(`server up in ${((performance.now() - t) / 1000).toFixed(1)} s, RSS ${mb((await memory(proc.pid!)).rss)}`);
  try {
    for (const format of ['JSON', 'CSV', 'JSON&zip=1', 'CSV&zip=1']) await measureExport(base, proc.pid!, format);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
} finally {
  await rm(root, { recursive: true, force: true });
}

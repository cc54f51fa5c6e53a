// GET /api/project/stats on a folder of 200,000 completed tasks (three annotators, three
// labels, every tenth a skip, thirty days): how long one answer takes to compute.
// Usage: npx tsx bench/stats.ts [tasks=200000]
import { MlRuntime } from '../src/ml/runtime.ts';
import { mlOptions } from '../src/projects.ts';
import { CloudRuntime, cloudOptions } from '../src/cloud/runtime.ts';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { FolderStore } from '../src/storage/folder/folderStore.ts';
import { projectStats } from '../src/services/stats.ts';
import { testSettings } from '../src/settings.ts';
import { DEFAULT_LABEL_CONFIG } from '../src/storage/defaults.ts';

const total = Number(process.argv[2] ?? 200_000);
const root = await mkdtemp(join(tmpdir(), 'ls-bench-stats-'));
const dir = join(root, 'p');
await mkdir(join(dir, 'completions'), { recursive: true });
await writeFile(join(dir, 'config.json'), '{}');
await writeFile(join(dir, 'config.xml'), DEFAULT_LABEL_CONFIG);
const lines: string[] = [];
const pending: Promise<void>[] = [];
const choices = ['Positive', 'Negative', 'Neutral'];
const people = ['alice', 'bob', 'chen'];
const start = Math.floor(Date.now() / 1000) - 30 * 86400;
for (let id = 0; id < total; id++) {
  const data = { text: `Review ${id}: fine.` };
  lines.push(`"${id}": ${JSON.stringify({ id, data })}`);
  const skipped = id % 10 === 0;
  const result = skipped ? [] : [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [choices[id % 3]] } }];
  const completion = { created_at: start + (id % 30) * 86400, id: id * 1000 + 1, completed_by: people[id % 3], result, ...(skipped && { was_cancelled: true }) };
  pending.push(writeFile(join(dir, 'completions', `${id}.json`), JSON.stringify({ completions: [completion], data, id }, null, 2)));
  if (pending.length > 256) await Promise.all(pending.splice(0));
}
await Promise.all(pending);
await writeFile(join(dir, 'tasks.json'), '{\n' + lines.join(',\n') + '\n}\n');

const store = await FolderStore.open(dir, 'p', {});
const settings = testSettings({ PROJECTS_DIR: root });
const log = pino({ level: 'silent' });
const ctx = { store, settings, log, ml: new MlRuntime(mlOptions(settings), log), cloud: new CloudRuntime(store, cloudOptions(settings), log) };
for (let run = 1; run <= 3; run++) {
  const t0 = performance.now();
  const stats = await projectStats(ctx);
  const ms = performance.now() - t0;
  console.log(`stats #${run}: ${stats.tasks.total} tasks, ${stats.completions.total} completions, ${stats.per_day.length} day rows, in ${ms.toFixed(0)} ms`);
}
await ctx.ml.close();
await ctx.cloud.close();
await store.close({ checkpoint: false });
await rm(root, { recursive: true, force: true });

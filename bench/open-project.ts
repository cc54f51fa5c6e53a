// Opens a project folder in the 0.8 layout holding 200,000 completed tasks (tasks.json in
// our line layout, one completions/<id>.json each) and prints how long the store takes to
// load it. Usage: npx tsx bench/open-project.ts [tasks=200000]
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderStore } from '../src/storage/folder/folderStore.ts';

const total = Number(process.argv[2] ?? 200_000);
const root = await mkdtemp(join(tmpdir(), 'ls-bench-open-'));
const dir = join(root, 'p');
await mkdir(join(dir, 'completions'), { recursive: true });
await writeFile(join(dir, 'config.json'), '{}');
const lines: string[] = [];
const pending: Promise<void>[] = [];
for (let id = 0; id < total; id++) {
  const data = { text: `Review ${id}: fine.` };
  lines.push(`"${id}": ${JSON.stringify({ id, data })}`);
  const result = [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Positive'] } }];
  pending.push(writeFile(join(dir, 'completions', `${id}.json`), JSON.stringify({ completions: [{ created_at: 1, id: id * 1000 + 1, result }], data, id }, null, 2)));
  if (pending.length > 256) await Promise.all(pending.splice(0));
}
await Promise.all(pending);
await writeFile(join(dir, 'tasks.json'), '{\n' + lines.join(',\n') + '\n}\n');

for (let run = 1; run <= 2; run++) {
  const t0 = performance.now();
  const store = await FolderStore.open(dir, 'p', {});
  const seconds = (performance.now() - t0) / 1000;
  console.log(`open #${run}: ${store.state.taskCount} tasks, ${store.state.completedCount} completed, in ${seconds.toFixed(2)} s`);
  await store.close({ checkpoint: false });
}
await rm(root, { recursive: true, force: true });

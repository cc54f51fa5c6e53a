// A folder the store wrote at a large-ish count is still Label Studio 0.8's layout, and the
// fast start (tasks.facts.json: a tasks.json the last checkpoint wrote is not parsed again)
// gives the same project as reading every line, and never trusts a file that changed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderStore, FILES } from '../../src/storage/folder/folderStore.ts';
import { DamagedFileError } from '../../src/storage/folder/journal.ts';
import type { CompletionFile, Task } from '../../src/domain/types.ts';
import type { TaskOrder } from '../../src/storage/store.ts';
import { TASK_ORDERS } from '../../src/storage/store.ts';

let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ls-large-'));
  dir = join(root, 'p');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const N = 50_000;
const task = (id: number): Task => {
  const t: Task = { id, data: { text: `Task ${id} ${'é'.repeat(id % 7)}`, ...(id % 3 === 0 ? { extra: id } : {}) } };
  if (id % 5 === 0) t.predictions = [{ result: [], score: (id % 11) / 10 }];
  return t;
};
const file = (id: number): CompletionFile => ({
  id,
  data: task(id).data,
  completions: [{ id: id * 1000 + 1, created_at: 1_700_000_000 + (id % 97), result: [], ...(id % 2 ? { was_cancelled: true } : {}) }],
});

async function writeLargeFolder(): Promise<void> {
  const s = await FolderStore.open(dir, 'p', { create: true, checkpointBytes: 2 * 1024 * 1024 });
  for (let first = 0; first < N; first += 5000) {
    await s.addTasks(() => {
      const tasks = Array.from({ length: 5000 }, (_, i) => task(first + i));
      return { tasks, files: tasks.filter((t) => t.id % 50 === 0).map((t) => file(t.id)) };
    });
  }
  await s.close();
}

/** Everything the indexes serve, to compare two opens of one folder. */
async function served(s: FolderStore) {
  const pages: Record<string, number[]> = {};
  for (const order of TASK_ORDERS as TaskOrder[]) pages[order] = s.state.page(order, 0, N + 10);
  return {
    pages,
    facts: await s.configFacts(),
    counts: await s.counts(),
    scoredMin: [...s.state.scoredIds(false)].slice(0, 200),
    scoredMax: [...s.state.scoredIds(true)].slice(0, 200),
    samples: [0, 1, 7, 4999, 5000, 33_333, N - 1].map((id) => s.state.task(id)),
  };
}

describe(`a folder written at ${N.toLocaleString('en')} tasks`, () => {
  it("has tasks.json as one JSON object keyed by id (0.8's layout), and the same project with or without tasks.facts.json", async () => {
    await writeLargeFolder();
    const parsed = JSON.parse(await readFile(join(dir, FILES.tasks), 'utf8')) as Record<string, Task>;
    expect(Object.keys(parsed)).toHaveLength(N);
    for (const id of [0, 1, 4999, 5000, 12_345, N - 1]) expect(parsed[String(id)]).toEqual(task(id));
    expect((await readdir(join(dir, FILES.completions))).length).toBe(N / 50);
    expect(JSON.parse(await readFile(join(dir, FILES.completions, '100.json'), 'utf8'))).toEqual(file(100));

    const fast = await FolderStore.open(dir, 'p');
    expect(fast.tasksFileKnown).toBe(true);
    const viaFacts = await served(fast);
    await fast.close({ checkpoint: false });
    await unlink(join(dir, FILES.taskFacts));
    const slow = await FolderStore.open(dir, 'p');
    expect(slow.tasksFileKnown).toBe(false);
    const parsedEveryLine = await served(slow);
    await slow.close({ checkpoint: false });
    expect(viaFacts).toEqual(parsedEveryLine);
    expect(viaFacts.counts).toEqual({ tasks: N, completed: N / 50 });
    expect(viaFacts.facts.commonDataKeys).toEqual(['text']);
    expect(viaFacts.scoredMax).toHaveLength(200);
    expect(viaFacts.samples[6]).toEqual(task(N - 1));
  }, 60_000);

  it('reads a tasks.json changed after the checkpoint (same size) line by line, and refuses one damaged so', async () => {
    await writeLargeFolder();
    const path = join(dir, FILES.tasks);
    const text = await readFile(path, 'utf8');
    // Same size, one character changed: the stamp's size matches, its CRC-32 does not.
    await writeFile(path, text.replace('"text":"Task 4321 ', '"text":"Task 4322 '));
    let s = await FolderStore.open(dir, 'p');
    expect(s.tasksFileKnown).toBe(false);
    expect(s.state.task(4321)!.data.text).toMatch(/^Task 4322 /);
    expect(s.state.taskCount).toBe(N);
    expect(await s.configFacts()).toMatchObject({ taskCount: N, commonDataKeys: ['text'] });
    await s.close({ checkpoint: false });
    // A line that is no longer a task line of ours, same size again: damage, as without facts.
    await writeFile(path, text.replace('"4321": {"id":4321,', '"4321": ["id",4321 '));
    await expect(FolderStore.open(dir, 'p')).rejects.toThrow(DamagedFileError);
    await writeFile(path, text);
    s = await FolderStore.open(dir, 'p');
    expect(s.tasksFileKnown).toBe(true);
    expect(s.state.task(4321)).toEqual(task(4321));
    await s.close();
  }, 60_000);
});

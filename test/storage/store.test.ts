// The rules of the project store (DESIGN.md "Rules the store keeps"), one test each.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { FolderStore, FILES } from '../../src/storage/folder/folderStore.ts';
import { DamagedFileError, Journal, readJournal } from '../../src/storage/folder/journal.ts';
import { readTasksFile } from '../../src/storage/folder/checkpoint.ts';
import { ProjectLockedError } from '../../src/storage/folder/lock.ts';
import type { CompletionFile, Task } from '../../src/domain/types.ts';

let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ls-store-'));
  dir = join(root, 'p');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const task = (id: number, text = `t${id}`): Task => ({ id, data: { text } });
const file = (id: number, cids: number[]): CompletionFile => ({
  id,
  data: { text: `t${id}` },
  completions: cids.map((cid) => ({ id: cid, created_at: 1000 + cid, result: [] })),
});

// The engine's interface, as the services call it, for records given whole.
const add = (s: FolderStore, tasks: Task[], files: CompletionFile[] = []) => s.addTasks(() => ({ tasks, files }));
const putTask = (s: FolderStore, t: Task) => s.changeTask(t.id, () => ({ task: t, value: undefined }));
const putFile = (s: FolderStore, f: CompletionFile) => s.changeCompletions(f.id, () => ({ file: f, value: undefined }));
const deleteFile = (s: FolderStore, id: number, highestId: number) => s.changeCompletions(id, () => ({ file: null, highestId, value: undefined }));

async function open(options = {}) {
  return FolderStore.open(dir, 'p', { create: true, ...options });
}

describe('journal', () => {
  it('acknowledges concurrent appends with shared flushes (group commit)', async () => {
    await mkdir(dir, { recursive: true });
    const j = await Journal.open(join(dir, 'j.jsonl'));
    // More than one writev takes at once (512 buffers), so one flush writes in several calls.
    await Promise.all(Array.from({ length: 2000 }, (_, i) => j.append(JSON.stringify({ i }))));
    expect(j.flushes).toBeGreaterThan(0);
    expect(j.flushes).toBeLessThan(20);
    await j.close();
    const records = await readJournal(join(dir, 'j.jsonl'));
    expect(records).toEqual(Array.from({ length: 2000 }, (_, i) => ({ i })));
  });

  it('drops a torn last line and truncates the file to the last whole record', async () => {
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'j.jsonl');
    await writeFile(path, '{"a":1}\n{"a":2}\n{"a":3, "b":');
    expect(await readJournal(path)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
  });

  it('drops a whole last record that lacks its newline (it was never acknowledged)', async () => {
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'j.jsonl');
    await writeFile(path, '{"a":1}\n{"a":2}');
    expect(await readJournal(path)).toEqual([{ a: 1 }]);
  });

  it('refuses a journal damaged before its last line', async () => {
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'j.jsonl');
    await writeFile(path, '{"a":1}\ngarbage\n{"a":3}\n');
    await expect(readJournal(path)).rejects.toThrow(/line 2/);
  });
});

describe('project store', () => {
  it('creates a new project in the 0.8 layout', async () => {
    const s = await open();
    await s.close();
    expect(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))).toMatchObject({ sampling: 'sequential', output_dir: 'completions' });
    expect(await readFile(join(dir, 'config.xml'), 'utf8')).toContain('<Choices name="sentiment"');
    expect(JSON.parse(await readFile(join(dir, 'tasks.json'), 'utf8'))).toEqual({});
    expect((await stat(join(dir, 'completions'))).isDirectory()).toBe(true);
  });

  it('keeps acknowledged writes across a restart without checkpoint (journal replay)', async () => {
    let s = await open();
    await add(s, [task(0), task(1), task(2)]);
    await putFile(s, file(1, [1001]));
    await s.deleteTask(2);
    await putTask(s, task(0, 'changed'));
    await s.close({ checkpoint: false });
    // Nothing was checkpointed: tasks.json is still the empty one.
    expect(JSON.parse(await readFile(join(dir, 'tasks.json'), 'utf8'))).toEqual({});
    s = await open();
    expect(s.state.page('id', 0, 1e9)).toEqual([0, 1]);
    expect(s.state.task(0)!.data.text).toBe('changed');
    expect(s.state.file(1)!.completions[0]!.id).toBe(1001);
    expect(s.state.completedCount).toBe(1);
    await s.close();
  });

  it('checkpoints into tasks.json (one task a line) and completion files, and empties the journal', async () => {
    const s = await open();
    await add(s, [task(0), task(1, 'café'), task(2)]);
    await putFile(s, file(1, [1001, 1002]));
    await putFile(s, file(2, [2001]));
    await deleteFile(s, 2, 2001);
    await s.checkpoint();
    const text = await readFile(join(dir, 'tasks.json'), 'utf8');
    expect(text.split('\n')[0]).toBe('{');
    expect(text.split('\n')[2]).toBe('"1": {"id":1,"data":{"text":"café"}},');
    expect(JSON.parse(text)).toEqual({ 0: task(0), 1: task(1, 'café'), 2: task(2) });
    const comp = await readFile(join(dir, 'completions', '1.json'), 'utf8');
    expect(comp).toBe(JSON.stringify({ completions: [{ created_at: 2001, id: 1001, result: [] }, { created_at: 2002, id: 1002, result: [] }], data: { text: 't1' }, id: 1 }, null, 2));
    expect(await readdir(join(dir, 'completions'))).toEqual(['1.json']);
    expect((await stat(join(dir, FILES.journal))).size).toBe(0);
    expect(JSON.parse(await readFile(join(dir, FILES.completionIdMarks), 'utf8'))).toEqual({ 2: 2001 });
    await s.close();
  });

  it('escapes non-ASCII in completion files as 0.8 does', async () => {
    const s = await open();
    await add(s, [task(0, 'é')]);
    await putFile(s, { id: 0, data: { text: 'é' }, completions: [] });
    await s.close();
    expect(await readFile(join(dir, 'completions', '0.json'), 'utf8')).toContain('"text": "\\u00e9"');
  });

  it('reads tasks.json in 0.8 one-line layout, whole or streamed', async () => {
    await mkdir(dir, { recursive: true });
    const tasks: Record<string, Task> = {};
    for (let i = 0; i < 50; i++) tasks[String(i)] = task(i, `é ${i}`);
    const path = join(dir, 'tasks.json');
    await writeFile(path, JSON.stringify(tasks, null, 0).replace(/,"/g, ', "'));
    const whole: Task[] = [];
    await readTasksFile(path, (t) => whole.push(t));
    const streamed: Task[] = [];
    await readTasksFile(path, (t) => streamed.push(t), 10); // limit below the size: streamed
    expect(whole).toHaveLength(50);
    expect(streamed).toEqual(whole);
    expect(whole[7]).toEqual(task(7, 'é 7'));
  });

  it('refuses a damaged tasks.json, naming it, and leaves it alone', async () => {
    const s = await open();
    await s.close();
    await writeFile(join(dir, 'tasks.json'), '{"0": {"id": 0, "data": {"text": "a"}}, "1": {');
    await expect(open()).rejects.toThrow(/tasks\.json does not parse/);
    expect(await readFile(join(dir, 'tasks.json'), 'utf8')).toContain('"1": {');
    await writeFile(join(dir, 'tasks.json'), '[{"id": 0}]');
    await expect(open()).rejects.toThrow(DamagedFileError);
  });

  it('refuses a damaged completion file, naming it', async () => {
    const s = await open();
    await s.close();
    await writeFile(join(dir, 'completions', '3.json'), '{"id": 3, "completions": [');
    await expect(open()).rejects.toThrow(/completions\/3\.json does not parse/);
  });

  it('ignores stray non-numeric files in completions/ (0.8 failed on them)', async () => {
    const s = await open();
    await s.close();
    await writeFile(join(dir, 'completions', 'notes.json'), 'not json');
    const again = await open();
    expect(again.state.fileCount).toBe(0);
    await again.close();
  });

  it('holds a lock: a second open of the folder refuses, a stale lock is taken over', async () => {
    const s = await open();
    await expect(open()).rejects.toThrow(ProjectLockedError);
    await s.close();
    // A lock left by a process that is gone (as after SIGKILL).
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    await writeFile(join(dir, '.lock'), dead);
    const again = await open();
    expect(await readFile(join(dir, '.lock'), 'utf8')).toBe(String(process.pid));
    await again.close();
  });

  it('writes a batch as one record: a torn batch leaves none of it', async () => {
    let s = await open();
    await add(s, [task(0)]);
    await s.close({ checkpoint: false });
    const batch = JSON.stringify({ t: 'tasks', tasks: [task(1), task(2), task(3)] });
    await appendFile(join(dir, FILES.journal), batch.slice(0, batch.length - 5));
    s = await open();
    expect(s.state.page('id', 0, 1e9)).toEqual([0]);
    await add(s, [task(1)]);
    await s.close({ checkpoint: false });
    s = await open();
    expect(s.state.page('id', 0, 1e9)).toEqual([0, 1]);
    await s.close();
  });

  it('checkpoints beside traffic and loses nothing', async () => {
    const s = await open({ checkpointBytes: 2000 });
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      writes.push(add(s, [task(i)]));
      if (i % 3 === 0) writes.push(putFile(s, file(i, [i * 1000 + 1])));
      if (i % 50 === 0) writes.push(s.checkpoint());
    }
    await Promise.all(writes);
    await s.close({ checkpoint: false });
    const again = await open();
    expect(again.state.taskCount).toBe(300);
    expect(again.state.completedCount).toBe(100);
    await again.close();
    const onDisk = JSON.parse(await readFile(join(dir, 'tasks.json'), 'utf8'));
    expect(Object.keys(onDisk)).toHaveLength(300);
  });

  it('finishes a checkpoint that was cut short (previous journal left behind)', async () => {
    let s = await open();
    await add(s, [task(0), task(1)]);
    await putFile(s, file(0, [1]));
    await s.close({ checkpoint: false });
    // As if killed right after the journal was rotated.
    const { rename } = await import('node:fs/promises');
    await rename(join(dir, FILES.journal), join(dir, FILES.previousJournal));
    await writeFile(join(dir, FILES.journal), JSON.stringify({ t: 'task', task: task(2) }) + '\n');
    s = await open();
    expect(s.state.page('id', 0, 1e9)).toEqual([0, 1, 2]);
    await expect(stat(join(dir, FILES.previousJournal))).rejects.toThrow();
    expect(Object.keys(JSON.parse(await readFile(join(dir, 'tasks.json'), 'utf8')))).toEqual(['0', '1', '2']);
    expect(JSON.parse(await readFile(join(dir, 'completions', '0.json'), 'utf8')).completions[0].id).toBe(1);
    await s.close();
  });

  it('orders equal prediction scores by ascending id, lowest or highest first', async () => {
    const s = await open();
    const scored = (id: number, score: number): Task => ({ id, data: { text: `t${id}` }, predictions: [{ result: [], score }] });
    await add(s, [scored(0, 0.5), scored(1, 0.9), scored(2, 0.5), scored(3, 0.1), task(4)]);
    expect([...s.state.scoredIds(true)]).toEqual([1, 0, 2, 3]);
    expect([...s.state.scoredIds(false)]).toEqual([3, 0, 2, 1]);
    await s.close();
  });

  it('refuses a record that cannot be serialized without changing memory', async () => {
    const s = await open();
    const cyclic: Record<string, unknown> = { text: 'x' };
    cyclic.self = cyclic;
    await expect(putTask(s, { id: 0, data: cyclic as never })).rejects.toThrow(TypeError);
    expect(s.state.taskCount).toBe(0);
    await add(s, [task(0)]);
    expect(s.state.taskCount).toBe(1);
    await s.close();
  });

  it('checkpoints a project far larger than one call can spread (300,000 tasks)', async () => {
    const s = await open();
    for (let b = 0; b < 300; b++) await add(s, Array.from({ length: 1000 }, (_, i) => task(b * 1000 + i)));
    expect(s.state.page('id', 0, 300_000)).toHaveLength(300_000);
    await s.close();
    const onDisk = await readFile(join(dir, 'tasks.json'), 'utf8');
    expect(onDisk.split('\n')).toHaveLength(300_003); // "{", a line a task, "}", ""
    expect(JSON.parse(onDisk)['299999']).toEqual(task(299999));
  }, 60_000);

  it('reports a failed checkpoint at close, and the journal still has every write', async () => {
    let s = await open();
    await add(s, [task(0), task(1)]);
    await putFile(s, file(1, [1001]));
    // completions/ turned into a file: the checkpoint cannot write there.
    await rm(join(dir, 'completions'), { recursive: true });
    await writeFile(join(dir, 'completions'), 'in the way');
    await expect(s.close()).rejects.toThrow();
    expect(await readdir(dir)).not.toContain('.lock');
    await rm(join(dir, 'completions'));
    s = await open();
    expect(s.state.page('id', 0, 1e9)).toEqual([0, 1]);
    expect(s.state.file(1)!.completions[0]!.id).toBe(1001);
    await s.close();
    expect(JSON.parse(await readFile(join(dir, 'completions', '1.json'), 'utf8')).completions[0].id).toBe(1001);
  });

  it('replaces config.json and config.xml together through the journal', async () => {
    let s = await open();
    await s.saveConfig({ ...s.state.settings, title: 'New' }, '<View><Text name="x" value="$x"/></View>');
    await s.close({ checkpoint: false });
    expect(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')).title).toBe('New');
    expect(await readFile(join(dir, 'config.xml'), 'utf8')).toBe('<View><Text name="x" value="$x"/></View>');
    s = await open();
    expect(s.state.settings.title).toBe('New');
    await s.close();
  });

  it('serves every task order and the unlabeled set from its indexes', async () => {
    const s = await open();
    await add(s, [0, 1, 2, 3, 4, 5, 6].map((i) => task(i)));
    const at = (id: number, created: number, cancelled = false): CompletionFile => ({
      id,
      data: { text: `t${id}` },
      completions: [{ id: id * 1000 + 1, created_at: created, ...(cancelled ? { was_cancelled: true } : {}) }],
    });
    await putFile(s, at(2, 100));
    await putFile(s, at(0, 101, true));
    await putFile(s, at(4, 102));
    await putFile(s, at(1, 102));
    await putFile(s, at(5, 102, true));
    const st = s.state;
    expect(st.page('id', 0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(st.page('-id', 2, 3)).toEqual([4, 3, 2]);
    expect(st.page('completed_at', 0, 10)).toEqual([2, 0, 1, 4, 5, 3, 6]);
    // Ties in ascending id in both directions (this one is also 0.8's answer).
    expect(st.page('-completed_at', 0, 10)).toEqual([1, 4, 5, 0, 2, 3, 6]);
    expect(st.page('has_cancelled_completions', 0, 10)).toEqual([1, 4, 2, 5, 0, 3, 6]);
    expect(st.page('-has_cancelled_completions', 0, 10)).toEqual([5, 0, 1, 4, 2, 3, 6]);
    expect(st.page('completed_at', 4, 2)).toEqual([5, 3]);
    expect([...st.uncompletedIds()]).toEqual([3, 6]);
    await deleteFile(s, 4, 0);
    expect([...st.uncompletedIds()]).toEqual([3, 4, 6]);
    await s.close();
  });
});

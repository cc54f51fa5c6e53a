// The contract of ProjectStore (src/storage/store.ts), written once against the interface
// and run against every engine: storeContract('postgres', factory) registers the tests in
// the calling test file. An engine is correct when it passes these, not tests of its own.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dataHash } from '../../src/domain/dataHash.ts';
import { sortKeysDeep } from '../../src/util/json.ts';
import type { Completion, CompletionFile, JsonObject, SamplingMethod, Task } from '../../src/domain/types.ts';
import { DEFAULT_LABEL_CONFIG, defaultSettings } from '../../src/storage/defaults.ts';
import { TASK_ORDERS, type ProjectStore, type TaskOrder } from '../../src/storage/store.ts';

export interface ContractStore {
  store: ProjectStore;
  /** Opens the same project again, as a restart would (the caller has closed `store`). */
  reopen(): Promise<ProjectStore>;
}

/** Makes a new, empty project (created with the default settings and config). */
export type StoreFactory = (options: { reservationMs: number }) => Promise<ContractStore>;

const T0 = 1_600_000_000;

function comp(id: number, createdAt?: number, extra: JsonObject = {}): Completion {
  const c: Completion = { id, ...extra };
  if (createdAt !== undefined) c.created_at = createdAt;
  return c;
}

function fileFor(task: Task, completions: Completion[]): CompletionFile {
  return { completions, data: task.data, id: task.id };
}

const choice = (label: string, from = 'sentiment', to = 'text') => ({ from_name: from, to_name: to, type: 'choices', value: { choices: [label] } });

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function storeContract(name: string, factory: StoreFactory): void {
  describe(`store contract: ${name}`, () => {
    const open: ProjectStore[] = [];
    let tempDir: string;

    beforeAll(async () => {
      tempDir = await mkdtemp(join(tmpdir(), 'ls-contract-'));
    });
    afterAll(async () => {
      await rm(tempDir, { recursive: true, force: true });
    });
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close({ checkpoint: false }).catch(() => {});
    });

    async function fresh(reservationMs = 60_000): Promise<ContractStore & { reopenKeep(): Promise<ProjectStore> }> {
      const made = await factory({ reservationMs });
      open.push(made.store);
      return {
        ...made,
        async reopenKeep() {
          const s = await made.reopen();
          open.push(s);
          return s;
        },
      };
    }

    /** Adds tasks with these data (and files for those listed), returns the ids. */
    async function add(store: ProjectStore, items: { data: JsonObject; predictions?: JsonObject[]; completions?: Completion[] }[]): Promise<number[]> {
      return store.addTasks((first) => {
        const tasks: Task[] = [];
        const files: CompletionFile[] = [];
        items.forEach((item, i) => {
          const task: Task = { id: first + i, data: item.data };
          if (item.predictions) task.predictions = item.predictions;
          tasks.push(task);
          if (item.completions) files.push(fileFor(task, item.completions));
        });
        return { tasks, files };
      });
    }

    const texts = (n: number) => Array.from({ length: n }, (_, i) => ({ data: { text: `t${i}` } }));

    describe('settings and config', () => {
      it('a new project has the default settings and labeling config', async () => {
        const { store } = await fresh();
        const config = await store.config();
        expect(config.settings).toEqual(defaultSettings());
        expect(config.labelConfig).toBe(DEFAULT_LABEL_CONFIG);
        expect(store.name).toBeTruthy();
        expect(store.location).toBeTruthy();
      });

      it('saveConfig replaces the settings, and the labeling config only when given', async () => {
        const { store } = await fresh();
        const settings = { ...defaultSettings(), title: 'Reviews ✓', sampling: 'uniform', extra: { nested: [1, 'two'] } };
        await store.saveConfig(settings);
        expect(await store.config()).toEqual({ settings, labelConfig: DEFAULT_LABEL_CONFIG });
        const xml = '<View><Text name="t" value="$t"/></View>';
        await store.saveConfig({ title: 'x' }, xml);
        expect(await store.config()).toEqual({ settings: { title: 'x' }, labelConfig: xml });
      });

      it('configFacts of an empty project', async () => {
        const { store } = await fresh();
        expect(await store.configFacts()).toEqual({ taskCount: 0, commonDataKeys: [], outputSchema: { controls: [], labels: [] } });
      });
    });

    describe('task ids', () => {
      it('start at 0 and are consecutive; the next batch starts after the highest (0.8: max + 1)', async () => {
        const { store } = await fresh();
        expect(await add(store, texts(3))).toEqual([0, 1, 2]);
        expect(await add(store, texts(2))).toEqual([3, 4]);
        await store.deleteTask(1);
        expect(await add(store, texts(1))).toEqual([5]);
        // Deleting the highest id and importing again reuses it, as 0.8 did.
        await store.deleteTask(5);
        expect(await add(store, texts(1))).toEqual([5]);
      });

      it('build gets the first free id, and an empty batch stores nothing', async () => {
        const { store } = await fresh();
        await add(store, texts(2));
        let seen = -1;
        expect(
          await store.addTasks((first) => {
            seen = first;
            return { tasks: [], files: [] };
          }),
        ).toEqual([]);
        expect(seen).toBe(2);
        expect(await store.counts()).toEqual({ tasks: 2, completed: 0 });
      });

      it('a task created by changeTask above the highest id moves the next id past it', async () => {
        const { store } = await fresh();
        await add(store, texts(2));
        await store.changeTask(40, () => ({ task: { id: 40, data: { text: 'forty' } }, value: null }));
        expect(await add(store, texts(1))).toEqual([41]);
      });

      it('restart at 0 after deleteAllTasks', async () => {
        const { store } = await fresh();
        await add(store, texts(3));
        await store.deleteAllTasks();
        expect(await store.counts()).toEqual({ tasks: 0, completed: 0 });
        expect(await add(store, texts(2))).toEqual([0, 1]);
      });

      it('concurrent imports get disjoint runs of consecutive ids', async () => {
        const { store } = await fresh();
        const runs = await Promise.all(Array.from({ length: 6 }, () => add(store, texts(25))));
        const all = runs.flat().sort((a, b) => a - b);
        expect(all).toEqual(Array.from({ length: 150 }, (_, i) => i));
        for (const run of runs) expect(run).toEqual(Array.from({ length: 25 }, (_, i) => run[0]! + i));
      });

      it('a build that throws stores nothing, and its error comes out unchanged', async () => {
        const { store } = await fresh();
        await add(store, texts(1));
        const boom = new Error('refused');
        await expect(store.addTasks(() => { throw boom; })).rejects.toBe(boom);
        expect(await store.counts()).toEqual({ tasks: 1, completed: 0 });
        expect(await add(store, texts(1))).toEqual([1]);
      });

      it('tasks imported with completions files are completed', async () => {
        const { store } = await fresh();
        await add(store, [{ data: { text: 'a' } }, { data: { text: 'b' }, completions: [comp(1001, T0)] }]);
        expect(await store.counts()).toEqual({ tasks: 2, completed: 1 });
        expect((await store.get(1))!.file).toEqual({ completions: [{ id: 1001, created_at: T0 }], data: { text: 'b' }, id: 1 });
        expect((await store.get(0))!.file).toBeUndefined();
        expect(await store.completedIds()).toEqual([1]);
      });
    });

    describe('JSON in and out', () => {
      // Keys in an order of their own, numbers at the edges, text beyond ASCII, a NUL, a lone surrogate.
      const data: JsonObject = {
        zeta: 1,
        alpha: { b: [1, 2.5, -0.125, 1e21, 5e-324, 1.7976931348623157e308], a: null },
        '10': 'integer-like key',
        text: 'naïve café — 日本語 😀 \u0000 nul \ud800 lone',
        empty: {},
        list: [],
        flag: false,
        __proto__x: 'proto-like',
      };
      const predictions = [{ model_version: 'v1', score: 0.5, result: [{ z: 1, a: 2 }] }];

      it('reads give back what was written, key order included', async () => {
        const { store } = await fresh();
        const [id] = await store.addTasks((first) => ({ tasks: [{ id: first, data, predictions, meta: { z: 'kept', a: 1 } }], files: [] }));
        const got = (await store.get(id!))!;
        expect(JSON.stringify(got.task)).toBe(JSON.stringify({ id: id!, data, predictions, meta: { z: 'kept', a: 1 } }));
        // Completion files are given with their keys sorted, as 0.8 writes them (the services
        // sort them; the folder engine's files are in that layout).
        const file = sortKeysDeep({ id: id!, data, completions: [{ id: 1, created_at: T0, result: [choice('x')], lead_time: 1.25, zz: { b: 1, a: 2 } }], extra_key: 'x' }) as CompletionFile;
        await store.changeCompletions(id!, () => ({ file, value: null }));
        const after = (await store.get(id!))!;
        expect(JSON.stringify(after.file)).toBe(JSON.stringify(file));
        expect(JSON.stringify((await store.page('id', 0, 1))[0]!.file)).toBe(JSON.stringify(file));
        expect(JSON.stringify(await collect(store.completionFiles()))).toBe(JSON.stringify([file]));
        expect(JSON.stringify((await collect(store.taskData()))[0]!.data)).toBe(JSON.stringify(data));
      });

      it('next and page return the stored JSON of unlabeled tasks', async () => {
        const { store } = await fresh();
        await store.addTasks((first) => ({ tasks: [{ id: first, data, predictions }], files: [] }));
        expect(JSON.stringify((await store.next('a', 'sequential'))!.task)).toBe(JSON.stringify({ id: 0, data, predictions }));
        expect(JSON.stringify((await store.page('-completed_at', 0, 5))[0]!.task)).toBe(JSON.stringify({ id: 0, data, predictions }));
      });

      it('settings come back with their key order', async () => {
        const { store } = await fresh();
        const settings = { zeta: 1, title: 'T', alpha: { y: 1, x: 2 } };
        await store.saveConfig(settings);
        expect(JSON.stringify((await store.config()).settings)).toBe(JSON.stringify(settings));
      });
    });

    describe('pages', () => {
      /**
       * api.md §5.14's example: tasks 0-6; completed 2 at t, 0 at t+1 (skipped), 4, 1 and 5
       * (skipped) at t+2; 3 and 6 unlabeled. Ties in ascending id.
       */
      async function specExample(store: ProjectStore): Promise<void> {
        const skipped = { was_cancelled: true };
        const files: Record<number, Completion[]> = {
          2: [comp(2001, T0)],
          0: [comp(1, T0 + 1, skipped)],
          4: [comp(4001, T0 + 2)],
          1: [comp(1001, T0 - 50), comp(1002, T0 + 2)],
          5: [comp(5001, T0 + 2, skipped)],
        };
        await store.addTasks((first) => {
          const tasks = Array.from({ length: 7 }, (_, i) => ({ id: first + i, data: { text: `task ${i}` } }));
          return { tasks, files: tasks.filter((t) => files[t.id]).map((t) => fileFor(t, files[t.id]!)) };
        });
      }

      const expected: Record<TaskOrder, number[]> = {
        id: [0, 1, 2, 3, 4, 5, 6],
        '-id': [6, 5, 4, 3, 2, 1, 0],
        completed_at: [2, 0, 1, 4, 5, 3, 6],
        '-completed_at': [1, 4, 5, 0, 2, 3, 6],
        has_cancelled_completions: [1, 4, 2, 5, 0, 3, 6],
        '-has_cancelled_completions': [5, 0, 1, 4, 2, 3, 6],
      };

      it('every order of the spec example, and every slice of it', async () => {
        const { store } = await fresh();
        await specExample(store);
        for (const order of TASK_ORDERS) {
          const full = (await store.page(order, 0, 100)).map((s) => s.task.id);
          expect(full, order).toEqual(expected[order]);
          for (let offset = 0; offset <= 8; offset++) {
            for (const limit of [1, 2, 3, 5]) {
              const ids = (await store.page(order, offset, limit)).map((s) => s.task.id);
              expect(ids, `${order} offset ${offset} limit ${limit}`).toEqual(expected[order].slice(offset, offset + limit));
            }
          }
        }
      });

      it('labeled tasks without a completion time come after the timed ones, before the unlabeled', async () => {
        const { store } = await fresh();
        await store.addTasks((first) => {
          const tasks = Array.from({ length: 6 }, (_, i) => ({ id: first + i, data: { n: i } }));
          return {
            tasks,
            files: [
              fileFor(tasks[0]!, [comp(1, T0 + 5)]),
              fileFor(tasks[1]!, []), // a file with no completions: completed, no time
              fileFor(tasks[2]!, [comp(2001, T0 + 9), comp(2002)]), // one lacks created_at: no time
              fileFor(tasks[4]!, [comp(4001, T0 + 1, { skipped: true })]),
            ],
          };
        });
        const ids = async (order: TaskOrder) => (await store.page(order, 0, 10)).map((s) => s.task.id);
        expect(await ids('completed_at')).toEqual([4, 0, 1, 2, 3, 5]);
        expect(await ids('-completed_at')).toEqual([0, 4, 1, 2, 3, 5]);
        expect(await ids('has_cancelled_completions')).toEqual([0, 1, 2, 4, 3, 5]);
        expect(await ids('-has_cancelled_completions')).toEqual([4, 0, 1, 2, 3, 5]);
      });

      it('pages carry the file of labeled tasks only; past the end is empty', async () => {
        const { store } = await fresh();
        await specExample(store);
        const page = await store.page('-completed_at', 0, 7);
        for (const s of page) expect(s.file === undefined, `task ${s.task.id}`).toBe([3, 6].includes(s.task.id));
        expect(page[0]!.file!.completions.map((c) => c.id)).toEqual([1001, 1002]);
        for (const order of TASK_ORDERS) expect(await store.page(order, 7, 10)).toEqual([]);
      });

      it('orders follow changes: a completion added, removed, a task deleted', async () => {
        const { store } = await fresh();
        await add(store, texts(4));
        await store.changeCompletions(2, (s) => ({ file: fileFor(s.task, [comp(2001, T0)]), value: null }));
        await store.changeCompletions(0, (s) => ({ file: fileFor(s.task, [comp(1, T0 + 1)]), value: null }));
        expect((await store.page('-completed_at', 0, 10)).map((s) => s.task.id)).toEqual([0, 2, 1, 3]);
        await store.changeCompletions(0, () => ({ file: null, value: null }));
        expect((await store.page('-completed_at', 0, 10)).map((s) => s.task.id)).toEqual([2, 0, 1, 3]);
        await store.deleteTask(2);
        expect((await store.page('completed_at', 0, 10)).map((s) => s.task.id)).toEqual([0, 1, 3]);
        expect((await store.page('-id', 1, 2)).map((s) => s.task.id)).toEqual([1, 0]);
      });
    });

    describe('counts and config facts', () => {
      it('counts tasks and completed tasks through every change', async () => {
        const { store } = await fresh();
        await add(store, [...texts(4), { data: { text: 'x' }, completions: [comp(4001, T0)] }]);
        expect(await store.counts()).toEqual({ tasks: 5, completed: 1 });
        await store.changeCompletions(0, (s) => ({ file: fileFor(s.task, []), value: null }));
        expect(await store.counts()).toEqual({ tasks: 5, completed: 2 });
        await store.deleteTask(4);
        expect(await store.counts()).toEqual({ tasks: 4, completed: 1 });
        await store.changeTask(9, () => ({ task: { id: 9, data: { text: 'nine' } }, value: null }));
        expect(await store.counts()).toEqual({ tasks: 5, completed: 1 });
        await store.deleteAllCompletions();
        expect(await store.counts()).toEqual({ tasks: 5, completed: 0 });
        expect((await store.configFacts()).taskCount).toBe(5);
      });

      it('commonDataKeys: the keys every task has, in the first task order', async () => {
        const { store } = await fresh();
        await add(store, [{ data: { text: 'a', image: 'i', meta: 1 } }, { data: { meta: 2, text: 'b' } }]);
        expect((await store.configFacts()).commonDataKeys).toEqual(['text', 'meta']);
        await add(store, [{ data: { text: 'c' } }]);
        expect((await store.configFacts()).commonDataKeys).toEqual(['text']);
        await store.changeTask(2, (cur) => ({ task: { ...cur!.task, data: { text: 'c', meta: 3 } }, value: null }));
        expect((await store.configFacts()).commonDataKeys).toEqual(['text', 'meta']);
        await store.deleteTask(0);
        expect((await store.configFacts()).commonDataKeys).toEqual(['meta', 'text']);
        await store.deleteAllTasks();
        expect((await store.configFacts()).commonDataKeys).toEqual([]);
      });

      it('outputSchema: the controls and labels stored completions use, until they are gone', async () => {
        const { store } = await fresh();
        const sort = <T>(xs: T[]) => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
        await add(store, [
          { data: { text: 'a' }, completions: [comp(1, T0, { result: [choice('Positive'), { from_name: 'r', to_name: 'text', type: 'relation' }] })] },
          { data: { text: 'b' } },
        ]);
        await store.changeCompletions(1, (s) => ({ file: fileFor(s.task, [comp(1001, T0, { result: [choice('Negative'), choice('Positive', 'mood', 'text')] })]), value: null }));
        const facts = await store.configFacts();
        expect(sort(facts.outputSchema.controls)).toEqual(sort([
          { fromName: 'sentiment', toName: 'text', type: 'choices' },
          { fromName: 'mood', toName: 'text', type: 'choices' },
        ]));
        expect(sort(facts.outputSchema.labels)).toEqual(sort([
          { fromName: 'sentiment', type: 'choices', label: 'Positive' },
          { fromName: 'sentiment', type: 'choices', label: 'Negative' },
          { fromName: 'mood', type: 'choices', label: 'Positive' },
        ]));
        await store.changeCompletions(1, () => ({ file: null, value: null }));
        const after = await store.configFacts();
        expect(after.outputSchema).toEqual({ controls: [{ fromName: 'sentiment', toName: 'text', type: 'choices' }], labels: [{ fromName: 'sentiment', type: 'choices', label: 'Positive' }] });
        await store.deleteTask(0);
        expect((await store.configFacts()).outputSchema).toEqual({ controls: [], labels: [] });
        await store.changeCompletions(1, (s) => ({ file: fileFor(s.task, [comp(1002, T0, { result: [choice('Neutral')] })]), value: null }));
        await store.deleteAllCompletions();
        expect((await store.configFacts()).outputSchema).toEqual({ controls: [], labels: [] });
      });

      it('the same label in two completions stays until both are gone', async () => {
        const { store } = await fresh();
        await add(store, [{ data: { text: 'a' }, completions: [comp(1, T0, { result: [choice('P')] })] }, { data: { text: 'b' }, completions: [comp(1001, T0, { result: [choice('P')] })] }]);
        await store.deleteTask(0);
        expect((await store.configFacts()).outputSchema.labels).toEqual([{ fromName: 'sentiment', type: 'choices', label: 'P' }]);
        await store.changeTask(1, (cur) => ({ task: cur!.task, file: fileFor(cur!.task, []), value: null }));
        expect((await store.configFacts()).outputSchema).toEqual({ controls: [], labels: [] });
      });
    });

    describe('get and changeTask', () => {
      it('get of a task that does not exist is undefined', async () => {
        const { store } = await fresh();
        expect(await store.get(0)).toBeUndefined();
        await add(store, texts(1));
        expect(await store.get(1)).toBeUndefined();
        expect(await store.get(0)).toEqual({ task: { id: 0, data: { text: 't0' } } });
      });

      it('creates a task that is not there and replaces one that is; returns the change value', async () => {
        const { store } = await fresh();
        const seen: unknown[] = [];
        expect(await store.changeTask(3, (cur) => (seen.push(cur), { task: { id: 3, data: { text: 'new' } }, value: 'created' }))).toBe('created');
        expect(seen).toEqual([undefined]);
        expect(await store.changeTask(3, (cur) => (seen.push(cur), { task: { id: 3, data: { text: 'changed' }, predictions: [] }, value: 'replaced' }))).toBe('replaced');
        expect(seen[1]).toEqual({ task: { id: 3, data: { text: 'new' } } });
        expect(await store.get(3)).toEqual({ task: { id: 3, data: { text: 'changed' }, predictions: [] } });
      });

      it('changes a task and its file together', async () => {
        const { store } = await fresh();
        await add(store, [{ data: { text: 'a' }, completions: [comp(1, T0)] }]);
        await store.changeTask(0, (cur) => ({ task: { ...cur!.task, data: { text: 'b' } }, file: { ...cur!.file!, data: { text: 'b' } }, value: null }));
        expect(await store.get(0)).toEqual({ task: { id: 0, data: { text: 'b' } }, file: { completions: [{ id: 1, created_at: T0 }], data: { text: 'b' }, id: 0 } });
        // No file given: the file stays as it is.
        await store.changeTask(0, (cur) => ({ task: { ...cur!.task, data: { text: 'c' } }, value: null }));
        expect((await store.get(0))!.file!.data).toEqual({ text: 'b' });
      });

      it('a change that throws changes nothing and its error comes out unchanged', async () => {
        const { store } = await fresh();
        await add(store, texts(1));
        const refused = new Error('refused');
        await expect(store.changeTask(0, () => { throw refused; })).rejects.toBe(refused);
        await expect(store.changeTask(7, () => { throw refused; })).rejects.toBe(refused);
        expect(await store.get(0)).toEqual({ task: { id: 0, data: { text: 't0' } } });
        expect(await store.get(7)).toBeUndefined();
        expect(await store.counts()).toEqual({ tasks: 1, completed: 0 });
      });

      it('concurrent changes of one task each see the one before (no lost update)', async () => {
        const { store } = await fresh();
        await store.changeTask(0, () => ({ task: { id: 0, data: { n: 0 } }, value: null }));
        await Promise.all(Array.from({ length: 20 }, () => store.changeTask(0, (cur) => ({ task: { id: 0, data: { n: (cur!.task.data.n as number) + 1 } }, value: null }))));
        expect((await store.get(0))!.task.data).toEqual({ n: 20 });
      });
    });

    describe('completions', () => {
      it('changeCompletions of a task that does not exist is undefined and does not run the change', async () => {
        const { store } = await fresh();
        let ran = false;
        expect(await store.changeCompletions(5, () => ((ran = true), { value: 1 }))).toBeUndefined();
        expect(ran).toBe(false);
      });

      it('highestId: task id * 1000 at first, then the ids given, never lower after a delete', async () => {
        const { store } = await fresh();
        await store.changeTask(7, () => ({ task: { id: 7, data: { text: 'seven' } }, value: null }));
        const highest = () => store.changeCompletions(7, (s) => ({ value: s.highestId }));
        expect(await highest()).toBe(7000);
        await store.changeCompletions(7, (s) => ({ file: fileFor(s.task, [comp(s.highestId + 1, T0), comp(s.highestId + 2, T0)]), value: null }));
        expect(await highest()).toBe(7002);
        // The service deletes 7002 and says how high ids went.
        await store.changeCompletions(7, (s) => ({ file: { ...s.file!, completions: s.file!.completions.filter((c) => c.id !== 7002) }, highestId: s.highestId, value: null }));
        expect(await highest()).toBe(7002);
        await store.changeCompletions(7, (s) => ({ file: null, highestId: s.highestId, value: null }));
        expect(await highest()).toBe(7002);
        expect(await store.counts()).toEqual({ tasks: 1, completed: 0 });
      });

      it('a completion deleted from the file keeps its id out of use even when no highestId is given', async () => {
        const { store } = await fresh();
        await add(store, [{ data: { text: 'a' }, completions: [comp(1, T0), comp(2, T0)] }]);
        await store.changeCompletions(0, (s) => ({ file: { ...s.file!, completions: [s.file!.completions[0]!] }, value: null }));
        expect(await store.changeCompletions(0, (s) => ({ value: s.highestId }))).toBe(2);
      });

      it('deleteAllCompletions: every file goes, their ids are never given again', async () => {
        const { store } = await fresh();
        await add(store, [{ data: { text: 'a' }, completions: [comp(5, T0)] }, { data: { text: 'b' }, completions: [comp(1003, T0)] }, { data: { text: 'c' } }]);
        await store.deleteAllCompletions();
        expect(await store.completedIds()).toEqual([]);
        expect(await store.get(0)).toEqual({ task: { id: 0, data: { text: 'a' } } });
        expect(await store.changeCompletions(0, (s) => ({ value: s.highestId }))).toBe(5);
        expect(await store.changeCompletions(1, (s) => ({ value: s.highestId }))).toBe(1003);
        expect(await store.changeCompletions(2, (s) => ({ value: s.highestId }))).toBe(2000);
      });

      it('deleteTask: a task made again under the same id never gets the deleted completions ids', async () => {
        const { store } = await fresh();
        await add(store, [{ data: { text: 'a' } }, { data: { text: 'b' }, completions: [comp(1001, T0), comp(1002, T0)] }]);
        await store.deleteTask(1);
        await store.changeTask(1, () => ({ task: { id: 1, data: { text: 'again' } }, value: null }));
        expect(await store.changeCompletions(1, (s) => ({ value: s.highestId }))).toBe(1002);
      });

      it('deleteAllTasks forgets remembered completion ids', async () => {
        const { store } = await fresh();
        await add(store, [{ data: { text: 'a' }, completions: [comp(9, T0)] }]);
        await store.deleteAllCompletions();
        await store.deleteAllTasks();
        await add(store, texts(1));
        expect(await store.changeCompletions(0, (s) => ({ value: s.highestId }))).toBe(0);
      });

      it('a change gets the task and its file; a change that throws is rolled back', async () => {
        const { store } = await fresh();
        await add(store, [{ data: { text: 'a' }, completions: [comp(1, T0)] }]);
        const state = await store.changeCompletions(0, (s) => ({ value: s }));
        expect(state).toEqual({ task: { id: 0, data: { text: 'a' } }, file: { completions: [{ id: 1, created_at: T0 }], data: { text: 'a' }, id: 0 }, highestId: 1 });
        const refused = new Error('no');
        await expect(store.changeCompletions(0, () => { throw refused; })).rejects.toBe(refused);
        await expect(store.changeCompletions(0, (s) => {
          // Throws after building a change: still nothing is written.
          const file = fileFor(s.task, []);
          if (file) throw refused;
          return { file, value: null };
        })).rejects.toBe(refused);
        expect((await store.get(0))!.file!.completions).toHaveLength(1);
      });

      it('completions changes of one task in parallel never lose one', async () => {
        const { store } = await fresh();
        await add(store, texts(1));
        const ids = await Promise.all(Array.from({ length: 15 }, () =>
          store.changeCompletions(0, (s) => {
            const id = s.highestId + 1;
            const file = s.file ?? fileFor(s.task, []);
            return { file: { ...file, completions: [...file.completions, comp(id, T0)] }, value: id };
          }),
        ));
        expect([...ids].sort((a, b) => a! - b!)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
        expect((await store.get(0))!.file!.completions.map((c) => c.id)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
      });
    });

    describe('deletes', () => {
      it('deleteTask removes a task and its file; false when there was none', async () => {
        const { store } = await fresh();
        await add(store, [{ data: { text: 'a' }, completions: [comp(1, T0)] }, { data: { text: 'b' } }]);
        expect(await store.deleteTask(0)).toBe(true);
        expect(await store.deleteTask(0)).toBe(false);
        expect(await store.deleteTask(99)).toBe(false);
        expect(await store.get(0)).toBeUndefined();
        expect(await store.completedIds()).toEqual([]);
        expect(await collect(store.completionFiles())).toEqual([]);
      });

      it('deleteAllTasks removes tasks, files, and their data hashes', async () => {
        const { store } = await fresh();
        await add(store, [{ data: { text: 'a' }, completions: [comp(1, T0)] }, { data: { text: 'b' } }]);
        await store.deleteAllTasks();
        expect(await store.page('id', 0, 10)).toEqual([]);
        expect(await store.completedIds()).toEqual([]);
        expect(await store.dataHashesPresent([dataHash({ text: 'a' })])).toEqual(new Set());
        expect(await store.next('a', 'sequential')).toBeUndefined();
      });
    });

    describe('reads for export and import', () => {
      it('completedIds and completionFiles are in ascending task id', async () => {
        const { store } = await fresh();
        await add(store, texts(12));
        for (const id of [9, 2, 11, 0, 5]) await store.changeCompletions(id, (s) => ({ file: fileFor(s.task, [comp(id * 1000 + 1, T0 + id)]), value: null }));
        expect(await store.completedIds()).toEqual([0, 2, 5, 9, 11]);
        expect((await collect(store.completionFiles())).map((f) => f.id)).toEqual([0, 2, 5, 9, 11]);
      });

      it('completionFiles is a snapshot: changes made while it runs do not show up', async () => {
        const { store } = await fresh();
        await add(store, Array.from({ length: 1200 }, (_, i) => ({ data: { n: i }, completions: [comp(i * 1000 + 1, T0)] })));
        const seen: CompletionFile[] = [];
        for await (const f of store.completionFiles()) {
          seen.push(f);
          if (seen.length === 1) {
            await store.deleteTask(1100);
            await store.changeCompletions(1000, (s) => ({ file: { ...s.file!, completions: [] }, value: null }));
            await add(store, [{ data: { n: 'late' }, completions: [comp(1, T0)] }]);
          }
        }
        expect(seen.map((f) => f.id)).toEqual(Array.from({ length: 1200 }, (_, i) => i));
        expect(seen[1000]!.completions).toHaveLength(1);
        expect(await store.completedIds()).toHaveLength(1200);
      });

      it('completionFiles stops with the signal reason, before or during the iteration', async () => {
        const { store } = await fresh();
        await add(store, Array.from({ length: 1100 }, (_, i) => ({ data: { n: i }, completions: [comp(i * 1000 + 1, T0)] })));
        const stop = new AbortController();
        const reason = new Error('client went away');
        let n = 0;
        await expect((async () => {
          for await (const _f of store.completionFiles(stop.signal)) if (++n === 600) stop.abort(reason);
        })()).rejects.toBe(reason);
        expect(n).toBe(600);
        await expect(collect(store.completionFiles(AbortSignal.abort(reason)))).rejects.toBe(reason);
        // Leaving an iteration early (break) leaves the store working.
        for await (const _f of store.completionFiles()) break;
        expect(await store.counts()).toEqual({ tasks: 1100, completed: 1100 });
      });

      it('taskData gives every task id and data in id order', async () => {
        const { store } = await fresh();
        await add(store, Array.from({ length: 2100 }, (_, i) => ({ data: { n: i } })));
        await store.deleteTask(3);
        const all = await collect(store.taskData());
        expect(all).toHaveLength(2099);
        expect(all[3]).toEqual({ id: 4, data: { n: 4 } });
        expect(all.every((x, i) => i === 0 || x.id > all[i - 1]!.id)).toBe(true);
      });

      it('dataHashesPresent: the hashes of stored data, whatever its key order', async () => {
        const { store } = await fresh();
        await add(store, [{ data: { a: 1, b: [1, { c: 2, d: 3 }] } }, { data: { text: 'x' } }]);
        const h = dataHash({ b: [1, { d: 3, c: 2 }], a: 1 });
        const other = dataHash({ text: 'y' });
        expect(await store.dataHashesPresent([h, other])).toEqual(new Set([h]));
        expect(await store.dataHashesPresent([])).toEqual(new Set());
        await store.changeTask(1, () => ({ task: { id: 1, data: { text: 'y' } }, value: null }));
        expect(await store.dataHashesPresent([dataHash({ text: 'x' }), other])).toEqual(new Set([other]));
        await store.deleteTask(0);
        expect(await store.dataHashesPresent([h])).toEqual(new Set());
      });
    });

    describe('next', () => {
      const idOf = async (p: Promise<{ task: Task } | undefined>) => (await p)?.task.id;

      it('sequential: the lowest unlabeled task, without its file', async () => {
        const { store } = await fresh();
        await add(store, [{ data: { text: 'a' }, completions: [comp(1, T0)] }, { data: { text: 'b' } }, { data: { text: 'c' } }]);
        const got = await store.next(undefined, 'sequential');
        expect(got).toEqual({ task: { id: 1, data: { text: 'b' } } });
      });

      it('the same annotator gets the same task again; others get the next free one', async () => {
        const { store } = await fresh();
        await add(store, texts(3));
        expect(await idOf(store.next('ann', 'sequential'))).toBe(0);
        expect(await idOf(store.next('ann', 'sequential'))).toBe(0);
        expect(await idOf(store.next('bob', 'sequential'))).toBe(1);
        expect(await idOf(store.next('cat', 'sequential'))).toBe(2);
        expect(await idOf(store.next('dan', 'sequential'))).toBeUndefined();
        expect(await idOf(store.next('bob', 'sequential'))).toBe(1);
      });

      it('without an annotator nothing is reserved, and tasks others hold are skipped', async () => {
        const { store } = await fresh();
        await add(store, texts(3));
        expect(await idOf(store.next(undefined, 'sequential'))).toBe(0);
        expect(await idOf(store.next(undefined, 'sequential'))).toBe(0);
        expect(await idOf(store.next('ann', 'sequential'))).toBe(0);
        expect(await idOf(store.next(undefined, 'sequential'))).toBe(1);
      });

      it('a reservation expires after reservationMs; asking again renews it', async () => {
        const { store } = await fresh(1000);
        await add(store, texts(2));
        expect(await idOf(store.next('ann', 'sequential'))).toBe(0);
        await sleep(600);
        expect(await idOf(store.next('ann', 'sequential'))).toBe(0); // renewed until ~1600
        await sleep(600);
        expect(await idOf(store.next('bob', 'sequential'))).toBe(1);
        await sleep(700);
        // ann has not asked for 1300 ms: her task is free again.
        expect(await idOf(store.next('cat', 'sequential'))).toBe(0);
        expect(await idOf(store.next('ann', 'sequential'))).toBeUndefined();
      });

      it('a submitted completion (release) frees the task; the annotator moves on', async () => {
        const { store } = await fresh();
        await add(store, texts(3));
        expect(await idOf(store.next('ann', 'sequential'))).toBe(0);
        // Released without a file (a skip that stored nothing): the task is free for others.
        await store.changeCompletions(0, () => ({ release: true, value: null }));
        expect(await idOf(store.next('bob', 'sequential'))).toBe(0);
        await store.changeCompletions(0, (s) => ({ file: fileFor(s.task, [comp(1, T0)]), release: true, value: null }));
        expect(await idOf(store.next('bob', 'sequential'))).toBe(1);
        expect(await idOf(store.next('ann', 'sequential'))).toBe(2);
      });

      it('a labeled or deleted task is no longer held; one annotator holds one task', async () => {
        const { store } = await fresh();
        await add(store, texts(4));
        expect(await idOf(store.next('ann', 'sequential'))).toBe(0);
        // Labeled by someone else, without a release: ann moves on to 1 and lets go of 0.
        await store.changeCompletions(0, (s) => ({ file: fileFor(s.task, []), value: null }));
        expect(await idOf(store.next('ann', 'sequential'))).toBe(1);
        await store.changeCompletions(0, () => ({ file: null, value: null }));
        expect(await idOf(store.next('bob', 'sequential'))).toBe(0);
        await store.deleteTask(1);
        expect(await idOf(store.next('ann', 'sequential'))).toBe(2);
      });

      it('deleteAllTasks clears reservations', async () => {
        const { store } = await fresh();
        await add(store, texts(2));
        expect(await idOf(store.next('ann', 'sequential'))).toBe(0);
        await store.deleteAllTasks();
        await add(store, texts(2));
        expect(await idOf(store.next('bob', 'sequential'))).toBe(0);
        expect(await idOf(store.next('ann', 'sequential'))).toBe(1);
      });

      it('nothing when every task is labeled or held', async () => {
        const { store } = await fresh();
        expect(await store.next('ann', 'sequential')).toBeUndefined();
        await add(store, [{ data: { text: 'a' }, completions: [comp(1, T0)] }, { data: { text: 'b' } }]);
        expect(await idOf(store.next('ann', 'sequential'))).toBe(1);
        for (const s of ['sequential', 'uniform', 'prediction-score-min', 'prediction-score-max'] as SamplingMethod[]) {
          expect(await store.next('bob', s), s).toBeUndefined();
          expect(await store.next(undefined, s), s).toBeUndefined();
        }
      });

      it('many annotators at once never get the same task', async () => {
        const { store } = await fresh();
        await add(store, texts(30));
        for (const sampling of ['sequential', 'uniform', 'prediction-score-max'] as SamplingMethod[]) {
          const got = await Promise.all(Array.from({ length: 10 }, (_, i) => idOf(store.next(`${sampling}-${i}`, sampling))));
          expect(got.every((id) => id !== undefined), sampling).toBe(true);
          expect(new Set(got).size, sampling).toBe(10);
        }
      });

      it('uniform: random unlabeled tasks, not always the same', async () => {
        const { store } = await fresh();
        await add(store, [...texts(20), { data: { text: 'done' }, completions: [comp(1, T0)] }]);
        const seen = new Set<number>();
        for (let i = 0; i < 60; i++) seen.add((await idOf(store.next(undefined, 'uniform')))!);
        expect(seen.has(20)).toBe(false);
        expect(seen.size).toBeGreaterThan(5);
        const held = await Promise.all(Array.from({ length: 20 }, (_, i) => idOf(store.next(`u${i}`, 'uniform'))));
        expect(new Set(held)).toEqual(new Set(Array.from({ length: 20 }, (_, i) => i)));
        expect(await store.next('u20', 'uniform')).toBeUndefined();
      });

      it('prediction score: by mean score (min or max first), ties by id, tasks without predictions after, in id order', async () => {
        const pred = (...scores: (number | undefined)[]): JsonObject[] => scores.map((score): JsonObject => (score === undefined ? { result: [] } : { result: [], score }));
        const items = [
          { data: { n: 0 } }, // no predictions
          { data: { n: 1 }, predictions: pred(0.5) },
          { data: { n: 2 }, predictions: pred(0.25, 0.75) }, // mean 0.5: a tie with 1 and 4
          { data: { n: 3 }, predictions: pred(0.9) },
          { data: { n: 4 }, predictions: pred(undefined, 1) }, // a missing score counts as 0: 0.5
          { data: { n: 5 }, predictions: [] }, // an empty list: no predictions
          { data: { n: 6 }, predictions: pred(0.1), completions: [comp(6001, T0)] }, // labeled
        ];
        const walk = async (sampling: SamplingMethod) => {
          const { store } = await fresh();
          await add(store, items);
          const order: number[] = [];
          for (let i = 0; i < 7; i++) {
            const id = await idOf(store.next(`a${i}`, sampling));
            if (id !== undefined) order.push(id);
          }
          return order;
        };
        expect(await walk('prediction-score-min')).toEqual([1, 2, 4, 3, 0, 5]);
        expect(await walk('prediction-score-max')).toEqual([3, 1, 2, 4, 0, 5]);
        expect(await walk('sequential')).toEqual([0, 1, 2, 3, 4, 5]);
      });

      it('a task back in the stream (its file removed) is offered again; a changed prediction re-ranks it', async () => {
        const { store } = await fresh();
        await add(store, [{ data: { n: 0 }, predictions: [{ result: [], score: 0.5 }], completions: [comp(1, T0)] }, { data: { n: 1 }, predictions: [{ result: [], score: 0.7 }] }]);
        expect(await idOf(store.next(undefined, 'prediction-score-min'))).toBe(1);
        await store.changeCompletions(0, () => ({ file: null, value: null }));
        expect(await idOf(store.next(undefined, 'prediction-score-min'))).toBe(0);
        await store.changeTask(0, (cur) => ({ task: { ...cur!.task, predictions: [{ result: [], score: 0.9 }] }, value: null }));
        expect(await idOf(store.next(undefined, 'prediction-score-min'))).toBe(1);
      });
    });

    describe('uploads', () => {
      async function temp(name: string, bytes: Buffer): Promise<string> {
        const path = join(tempDir, `${randomBytes(6).toString('hex')}-${name}`);
        await writeFile(path, bytes);
        return path;
      }

      it('put stores files, reports only the new names; get streams them whole or by range', async () => {
        const { store } = await fresh();
        const small = Buffer.from('hello, upload');
        const big = randomBytes(700 * 1024 + 123);
        const added = await store.uploads.put([
          { name: 'abc-small.txt', tempPath: await temp('s', small) },
          { name: 'def-big.bin', tempPath: await temp('b', big) },
          { name: 'ghi-empty.txt', tempPath: await temp('e', Buffer.alloc(0)) },
        ]);
        expect(added.sort()).toEqual(['abc-small.txt', 'def-big.bin', 'ghi-empty.txt']);
        expect(await store.uploads.put([{ name: 'abc-small.txt', tempPath: await temp('s2', small) }])).toEqual([]);
        const s = (await store.uploads.get('abc-small.txt'))!;
        expect(s.size).toBe(small.length);
        expect(s.modified).toBeInstanceOf(Date);
        expect(await readAll(s.stream())).toEqual(small);
        expect(await readAll(s.stream(7, 12))).toEqual(small.subarray(7, 13));
        const b = (await store.uploads.get('def-big.bin'))!;
        expect(b.size).toBe(big.length);
        expect((await readAll(b.stream())).equals(big)).toBe(true);
        for (const [start, end] of [[0, 0], [262_143, 262_144], [100, 600_000], [big.length - 10, big.length - 1], [524_288, 524_288 + 262_144 - 1]] as const) {
          expect((await readAll(b.stream(start, end))).equals(big.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
        }
        const e = (await store.uploads.get('ghi-empty.txt'))!;
        expect(e.size).toBe(0);
        expect(await readAll(e.stream())).toEqual(Buffer.alloc(0));
      });

      it('remove takes files away; names that would leave upload/ are never found', async () => {
        const { store } = await fresh();
        await store.uploads.put([{ name: 'abc-x.txt', tempPath: await temp('x', Buffer.from('x')) }]);
        await store.uploads.remove(['abc-x.txt', 'not-there.txt']);
        expect(await store.uploads.get('abc-x.txt')).toBeUndefined();
        for (const name of ['', '.', '..', '../config.json', '../../etc/passwd', 'a/b', '/abs', '..\\x', '.hidden']) {
          expect(await store.uploads.get(name), name).toBeUndefined();
        }
      });
    });

    describe('cloud source keys', () => {
      const uri = (k: string) => `s3://bucket/${k}`;
      /** What a sync does: tasks for the URIs not seen yet (a refused one gets null). */
      const sync = (store: ProjectStore, keys: string[], refused: string[] = []) =>
        store.addTasks(
          (first, seen) => {
            const fresh = keys.filter((k) => !seen.has(uri(k)));
            const made = fresh.filter((k) => !refused.includes(k));
            const tasks = made.map((k, i) => ({ id: first + i, data: { image: uri(k) } }));
            const sourceKeys: [string, number | null][] = fresh.map((k) => [uri(k), refused.includes(k) ? null : first + made.indexOf(k)]);
            return { tasks, files: [], sourceKeys };
          },
          keys.map(uri),
        );

      it('remembers the objects a sync accounted for, with their tasks, across a restart', async () => {
        const made = await fresh();
        let store = made.store;
        expect(await sync(store, ['a.jpg', 'b.jpg', 'bad.jpg'], ['bad.jpg'])).toEqual([0, 1]);
        expect(await store.sourceKeysSeen([uri('a.jpg'), uri('bad.jpg'), uri('c.jpg')])).toEqual(new Set([uri('a.jpg'), uri('bad.jpg')]));
        // Seen ones are passed to build as seen, and not added again.
        expect(await sync(store, ['a.jpg', 'c.jpg'])).toEqual([2]);
        // Only refused keys: remembered although no task is made.
        expect(await sync(store, ['worse.jpg'], ['worse.jpg'])).toEqual([]);
        await store.close();
        store = await made.reopenKeep();
        expect(await store.sourceKeysSeen(['a.jpg', 'b.jpg', 'c.jpg', 'bad.jpg', 'worse.jpg', 'd.jpg'].map(uri))).toEqual(new Set(['a.jpg', 'b.jpg', 'c.jpg', 'bad.jpg', 'worse.jpg'].map(uri)));
        expect((await store.get(2))!.task.data).toEqual({ image: uri('c.jpg') });
        expect(await store.counts()).toEqual({ tasks: 3, completed: 0 });
      });

      it('a deleted task stays seen; deleting every task forgets them all', async () => {
        const { store } = await fresh();
        await sync(store, ['a', 'b']);
        await store.deleteTask(0);
        expect(await sync(store, ['a', 'b', 'c'])).toEqual([2]);
        await store.deleteAllTasks();
        expect(await store.sourceKeysSeen(['a', 'b', 'c'].map(uri))).toEqual(new Set());
        expect(await sync(store, ['a', 'b'])).toEqual([0, 1]);
      });
    });

    describe('close and reopen', () => {
      it('keeps tasks, files, config, counts, facts, remembered ids and uploads', async () => {
        const made = await fresh();
        let store = made.store;
        const settings = { ...defaultSettings(), title: 'kept' };
        await store.saveConfig(settings, '<View><Text name="text" value="$text"/></View>');
        await add(store, [{ data: { text: 'a', k: 1 } }, { data: { text: 'b', k: 2 }, completions: [comp(1001, T0, { result: [choice('P')] }), comp(1002, T0 + 1)] }, { data: { text: 'c' } }]);
        await store.changeCompletions(1, (s) => ({ file: { ...s.file!, completions: [s.file!.completions[0]!] }, highestId: s.highestId, value: null }));
        const path = join(tempDir, 'reopen.bin');
        await writeFile(path, Buffer.from('bytes'));
        await store.uploads.put([{ name: 'abc-reopen.bin', tempPath: path }]);
        const before = {
          config: await store.config(),
          counts: await store.counts(),
          facts: await store.configFacts(),
          page: await store.page('-completed_at', 0, 10),
          files: await collect(store.completionFiles()),
        };
        await store.close();
        store = await made.reopenKeep();
        expect(await store.config()).toEqual(before.config);
        expect(await store.counts()).toEqual(before.counts);
        expect(await store.configFacts()).toEqual(before.facts);
        expect(JSON.stringify(await store.page('-completed_at', 0, 10))).toBe(JSON.stringify(before.page));
        expect(JSON.stringify(await collect(store.completionFiles()))).toBe(JSON.stringify(before.files));
        expect(await store.changeCompletions(1, (s) => ({ value: s.highestId }))).toBe(1002);
        expect(await readAll((await store.uploads.get('abc-reopen.bin'))!.stream())).toEqual(Buffer.from('bytes'));
        expect(await add(store, texts(1))).toEqual([3]);
      });
    });
  });
}

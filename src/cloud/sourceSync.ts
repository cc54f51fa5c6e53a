// One sync of a cloud source (api.md §6.3): list the bucket under the prefix, keep the
// keys the regex matches, and make a task of each object the project has not accounted
// for yet. Incremental: which objects were accounted for is kept by the store
// (sourceKeysSeen), written in the same change as the tasks made of them, so a sync costs
// one listing plus work for the new objects only (a bucket of 100,000 keys with 10 new
// ones: the listing pages, one seen-lookup per page, 10 tasks; with use_blob_urls off,
// also 10 object reads). Keeping this in the store rather than in a file of its own is what
// makes it durable and crash-safe with the tasks (DESIGN.md rules 1-3): a crash cannot
// leave a task without its key (a duplicate at the next sync) or a key without its task
// (a lost object).
//
// 0.8.2 failed here: its id assignment for new keys raised inside the background thread,
// so tasks never appeared (§12 quirk 24). Ids are the store's max + 1, as for an import.
import type { NewTask } from '../domain/types.ts';
import { validateImportItems } from '../importers/validateTasks.ts';
import { newTaskRecords } from '../importers/records.ts';
import { parseLabelConfig } from '../labelConfig/parse.ts';
import { producers, type TaskRules } from '../labelConfig/taskRules.ts';
import type { ProjectStore } from '../storage/store.ts';
import { forEachLimit } from '../util/pool.ts';
import type { Bucket } from './bucket.ts';
import type { CloudStorage } from './config.ts';

/** Objects read at once when they are tasks in JSON (use_blob_urls off). */
const READ_CONCURRENCY = 8;

export interface SyncCounts {
  /** Keys the listing returned. */
  listed: number;
  /** Of those, keys the regex matched. */
  matched: number;
  /** Objects read (JSON tasks only; blob URLs need no read). */
  read: number;
  new_tasks: number;
  /** New objects refused: not a task the labeling config can show (said in last_error). */
  refused: number;
}

export interface SyncOptions {
  maxObjectBytes: number;
  maxDataKeys: number;
  signal: AbortSignal;
  /** Told of each refused object, with why. */
  onRefused: (uri: string, why: string) => void;
}

/** Python's re.match, which 0.8 used: anchored at the start of the key, not at its end. */
export function keyFilter(regex: string): (key: string) => boolean {
  if (regex === '') return () => false;
  const re = new RegExp(regex, 'y');
  return (key) => {
    re.lastIndex = 0;
    return re.test(key);
  };
}

async function taskRules(store: ProjectStore, maxDataKeys: number): Promise<TaskRules> {
  try {
    const config = parseLabelConfig((await store.config()).labelConfig);
    return { dataTypes: config.dataTypes, producers: producers(config), maxDataKeys };
  } catch {
    return { dataTypes: {}, maxDataKeys };
  }
}

/** A JSON object's text as one task item: {...} or a list of exactly one. */
function itemOf(bytes: Buffer): { item?: unknown; error?: string } {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { error: `not JSON (${(err as Error).message})` };
  }
  if (Array.isArray(value)) return value.length === 1 ? { item: value[0] } : { error: `a list of ${value.length} items; an object holds one task` };
  return { item: value };
}

export async function syncSource(store: ProjectStore, bucket: Bucket, storage: CloudStorage, options: SyncOptions): Promise<SyncCounts> {
  const counts: SyncCounts = { listed: 0, matched: 0, read: 0, new_tasks: 0, refused: 0 };
  const matches = keyFilter(storage.regex);
  for await (const page of bucket.list(storage.prefix, options.signal)) {
    counts.listed += page.length;
    const keys = page.filter(matches);
    counts.matched += keys.length;
    if (keys.length === 0) continue;
    const seen = await store.sourceKeysSeen(keys.map((k) => bucket.uri(k)));
    const fresh = keys.filter((k) => !seen.has(bucket.uri(k)));
    if (fresh.length === 0) continue;
    // The config as it is now: a task it cannot show is refused, as an import would be.
    const rules = await taskRules(store, options.maxDataKeys);
    const items = new Map<string, { item?: unknown; error?: string }>();
    if (storage.useBlobUrls) {
      // "$undefined$" goes to the config's first data key (as a hosted file at import).
      for (const k of fresh) items.set(k, { item: { [storage.dataKey || '$undefined$']: bucket.uri(k) } });
    } else {
      // A read that fails (the storage went away) fails the sync: the objects of this page
      // are not accounted for, and the next sync tries them again.
      await forEachLimit(fresh, READ_CONCURRENCY, async (k) => {
        const bytes = await bucket.read(k, options.maxObjectBytes, options.signal);
        counts.read++;
        items.set(k, itemOf(bytes));
      });
    }
    const made: { uri: string; task?: NewTask; why?: string }[] = fresh.map((k) => {
      const uri = bucket.uri(k);
      const { item, error } = items.get(k)!;
      if (error !== undefined) return { uri, why: error };
      const { tasks, errors } = validateImportItems([item], rules);
      return tasks[0] ? { uri, task: tasks[0] } : { uri, why: (errors[0] ?? 'refused').replace(/^Error at item 0: /, '') };
    });
    const now = Math.floor(Date.now() / 1000);
    const ids = await store.addTasks(
      (firstId, seenNow) => {
        // Another server may have taken some of these meanwhile (same PostgreSQL project).
        const mine = made.filter((m) => !seenNow.has(m.uri));
        const good = mine.filter((m) => m.task);
        const records = newTaskRecords(good.map((m) => m.task!), firstId, now);
        let next = firstId;
        return { ...records, sourceKeys: mine.map((m): [string, number | null] => [m.uri, m.task ? next++ : null]) };
      },
      made.map((m) => m.uri),
    );
    counts.new_tasks += ids.length;
    for (const m of made) {
      if (m.why === undefined) continue;
      counts.refused++;
      options.onRefused(m.uri, m.why);
    }
  }
  return counts;
}

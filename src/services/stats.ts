// GET /api/project/stats: who did what. Counted in one pass over the completions files
// (store.completionFiles) plus the task count: O(completed tasks + their completions)
// per request, read from memory by the folder engine (0.2-0.35 s at 200,000 labeled tasks
// on two busy cores, bench/stats.ts; the iteration yields to other requests every 500
// files), one streamed read of every completion by PostgreSQL. The stats page asks once
// per visit; the progress line of every page reads the cheap counts of GET /api/project.
import type { Completion, CompletionFile } from '../domain/types.ts';
import { isCancelled, isJsonObject } from '../domain/types.ts';
import type { ProjectContext } from './context.ts';
import { currentConfig } from './project.ts';

export interface LabelCount {
  from_name: string;
  label: string;
  /** Completions (not skips) that use the label at least once. */
  completions: number;
}

export interface AnnotatorCount {
  /** completed_by; null for completions that do not say (made before it was recorded, or by a script without an annotator). */
  annotator: string | null;
  /** Completions that are not skips. */
  labeled: number;
  skipped: number;
}

export interface DayCount extends AnnotatorCount {
  /** YYYY-MM-DD in UTC of created_at; null when the completion has none. */
  day: string | null;
}

export interface ProjectStats {
  tasks: {
    total: number;
    /** Tasks with a completions file (0.8's "completed"): out of the label stream. */
    completed: number;
    /** Tasks with at least one completion that is not a skip. */
    labeled: number;
    /** Tasks whose completions are all skips. */
    skipped: number;
    /** Tasks next() can still hand out: total - completed. */
    remaining: number;
  };
  /** total = labeled + skipped. */
  completions: { total: number; labeled: number; skipped: number };
  /** Control by control in config order: its labels in config order (0 when unused), then labels used that the config no longer has. */
  labels: LabelCount[];
  /** By number of completions and skips, most first; ties by name, unknown last. */
  annotators: AnnotatorCount[];
  /** By day, then annotator as in annotators. */
  per_day: DayCount[];
}

/**
 * Who made a completion: completed_by as we record it (a string), or what other Label
 * Studio versions put there (a user id, or {email, ...}); null when missing.
 */
export function annotatorOfCompletion(c: Completion): string | null {
  const by = c.completed_by;
  if (typeof by === 'string' && by !== '') return by;
  if (typeof by === 'number') return String(by);
  if (isJsonObject(by)) {
    for (const key of ['email', 'username', 'id']) {
      const v = by[key];
      if ((typeof v === 'string' && v !== '') || typeof v === 'number') return String(v);
    }
  }
  return null;
}

/** The label texts of one result item: the string list under value[type] (choices, labels, rectanglelabels, ...). */
function labelsOfResult(item: unknown): { fromName: string; labels: string[] } | undefined {
  if (!isJsonObject(item) || typeof item.type !== 'string' || typeof item.from_name !== 'string' || !isJsonObject(item.value)) return undefined;
  const list = item.value[item.type];
  if (!Array.isArray(list)) return undefined;
  const labels = list.filter((l): l is string => typeof l === 'string');
  return labels.length ? { fromName: item.from_name, labels } : undefined;
}

const DAY_SECONDS = 24 * 3600;

/** Days by their number since 1970: toISOString once per day seen, not once per completion. */
function dayNamer(): (createdAt: unknown) => string | null {
  const names = new Map<number, string>();
  return (createdAt) => {
    if (typeof createdAt !== 'number' || !Number.isFinite(createdAt) || Math.abs(createdAt) > 8.64e12) return null;
    const n = Math.floor(createdAt / DAY_SECONDS);
    let name = names.get(n);
    if (name === undefined) names.set(n, (name = new Date(n * DAY_SECONDS * 1000).toISOString().slice(0, 10)));
    return name;
  };
}

/** Most completions first, then by name; unknown (null) last. */
function byActivity(a: AnnotatorCount, b: AnnotatorCount): number {
  if ((a.annotator === null) !== (b.annotator === null)) return a.annotator === null ? 1 : -1;
  return b.labeled + b.skipped - (a.labeled + a.skipped) || String(a.annotator).localeCompare(String(b.annotator));
}

/** map.get(key), made with make() the first time. */
function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

export async function projectStats(ctx: ProjectContext): Promise<ProjectStats> {
  const [counts, config] = await Promise.all([ctx.store.counts(), currentConfig(ctx)]);
  // from_name → label → count; Maps keep the config's order, then labels as first met.
  const labels = new Map<string, Map<string, LabelCount>>();
  for (const control of config?.controls ?? []) {
    for (const label of control.labels) entry(entry(labels, control.name, () => new Map()), label, () => ({ from_name: control.name, label, completions: 0 }));
  }
  const annotators = new Map<string | null, AnnotatorCount>();
  // day → annotator → count
  const days = new Map<string | null, Map<string | null, DayCount>>();
  const dayOf = dayNamer();
  let labeledTasks = 0;
  let skippedTasks = 0;
  let completionCount = 0;
  let skipCount = 0;

  const countFile = (file: CompletionFile) => {
    let labeled = false;
    let skipped = false;
    for (const c of file.completions) {
      const cancelled = isCancelled(c);
      if (cancelled) {
        skipped = true;
        skipCount++;
      } else {
        labeled = true;
        completionCount++;
        // A label counts once per completion, however many of its results use it.
        const used = new Set<LabelCount>();
        for (const item of Array.isArray(c.result) ? c.result : []) {
          const found = labelsOfResult(item);
          if (!found) continue;
          const ofControl = entry(labels, found.fromName, () => new Map());
          for (const label of found.labels) used.add(entry(ofControl, label, () => ({ from_name: found.fromName, label, completions: 0 })));
        }
        for (const count of used) count.completions++;
      }
      const who = annotatorOfCompletion(c);
      const day = dayOf(c.created_at);
      const person = entry(annotators, who, () => ({ annotator: who, labeled: 0, skipped: 0 }));
      const perDay = entry(entry(days, day, () => new Map()), who, () => ({ day, annotator: who, labeled: 0, skipped: 0 }));
      if (cancelled) {
        person.skipped++;
        perDay.skipped++;
      } else {
        person.labeled++;
        perDay.labeled++;
      }
    }
    if (labeled) labeledTasks++;
    else if (skipped) skippedTasks++;
  };
  for await (const file of ctx.store.completionFiles()) countFile(file);

  const people = [...annotators.values()].sort(byActivity);
  const rank = new Map(people.map((p, i) => [p.annotator, i]));
  const perDay = [...days.values()].flatMap((m) => [...m.values()]).sort((a, b) => {
    if (a.day !== b.day) return a.day === null ? 1 : b.day === null ? -1 : a.day < b.day ? -1 : 1;
    return rank.get(a.annotator)! - rank.get(b.annotator)!;
  });
  return {
    tasks: { total: counts.tasks, completed: counts.completed, labeled: labeledTasks, skipped: skippedTasks, remaining: Math.max(0, counts.tasks - counts.completed) },
    completions: { total: completionCount + skipCount, labeled: completionCount, skipped: skipCount },
    labels: [...labels.values()].flatMap((m) => [...m.values()]),
    annotators: people,
    per_day: perDay,
  };
}

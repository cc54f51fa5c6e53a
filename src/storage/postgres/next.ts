// next(): the next unlabeled task for an annotator and its reservation, decided in the
// database in one transaction, so that two annotators in two server processes never get
// the same task.
//
// The reservation lives on the task row (reserved_by, reserved_until). A candidate is
// taken with SELECT ... FOR UPDATE SKIP LOCKED and reserved by updating that row in the
// same statement: a concurrent next() skips the row while it is locked, and once the
// reservation is committed, a next() whose scan had already passed the old row version
// re-checks the new one when it locks it (READ COMMITTED's re-check of updated rows), sees
// the reservation, and moves on. Waiting never happens on the pick (SKIP LOCKED); the
// annotator's own next() calls are serialised by an advisory lock, so one annotator never
// ends up holding two tasks.
import type { SamplingMethod } from '../../domain/types.ts';
import type { Queryable } from './database.ts';

export interface Picked {
  id: number;
  task: string;
}

/** A task others do not hold: no reservation, an expired one, or this annotator's. */
const FREE = `(reserved_until IS NULL OR reserved_until <= now() OR reserved_by = $2)`;
/** For an anonymous caller ($2 is null): no live reservation at all. */
const FREE_ANONYMOUS = `(reserved_until IS NULL OR reserved_until <= now())`;

/** The candidate orders: each a WHERE and ORDER BY matching a partial index; tried in turn. */
function candidates(sampling: SamplingMethod, random: number): { where: string; order: string }[] {
  const sequential = { where: 'NOT completed', order: 'id' };
  switch (sampling) {
    case 'prediction-score-min':
      // Tasks without stored predictions follow the scored ones, in id order.
      return [{ where: 'NOT completed AND score IS NOT NULL', order: 'score ASC, id' }, sequential];
    case 'prediction-score-max':
      return [{ where: 'NOT completed AND score IS NOT NULL', order: 'score DESC, id' }, sequential];
    case 'uniform':
      // A random point on the tasks' random keys, the first free task from there, or
      // from the start when none is after it. Each pick is an index seek; the chance of a
      // task is the gap before its key, so roughly (not exactly) uniform.
      return [
        { where: `NOT completed AND rnd >= ${random}`, order: 'rnd' },
        { where: 'NOT completed', order: 'rnd' },
      ];
    default:
      return [sequential];
  }
}

/** The next free task for an anonymous caller: nothing is reserved, nothing locked. */
export async function peekNext(c: Queryable, projectId: number, sampling: SamplingMethod): Promise<Picked | undefined> {
  for (const { where, order } of candidates(sampling, Math.random())) {
    const { rows } = await c.query<Picked>(
      `SELECT id, task FROM tasks WHERE project_id = $1 AND ${where} AND ${FREE_ANONYMOUS} ORDER BY ${order} LIMIT 1`,
      [projectId],
    );
    if (rows[0]) return rows[0];
  }
  return undefined;
}

/** A 32-bit key for the annotator's advisory lock (with the project id as the other half). */
function annotatorKey(annotator: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < annotator.length; i++) {
    h ^= annotator.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Never 0: (project id, 0) is the project's id-allocation lock.
  return (h | 0) === 0 ? 1 : h | 0;
}

/**
 * What next() sends with its BEGIN, in one round trip: the annotator's lock, and no wait for
 * the commit to reach the disk. A reservation lost in a crash costs nothing (the folder
 * engine keeps them in memory only), and other sessions see it at commit all the same.
 */
export function reserveSetup(projectId: number, annotator: string): string[] {
  if (!Number.isInteger(projectId)) throw new Error(`bad project id ${projectId}`);
  return ['SET LOCAL synchronous_commit = off', `SELECT pg_advisory_xact_lock(${projectId}, ${annotatorKey(annotator)})`];
}

/**
 * The annotator's task, inside a transaction begun with reserveSetup(): their own live reservation renewed, or a
 * free task newly reserved for reservationMs. The caller commits.
 */
export async function reserveNext(c: Queryable, projectId: number, annotator: string, sampling: SamplingMethod, reservationMs: number): Promise<Picked | undefined> {
  const until = `now() + $3 * interval '1 millisecond'`;
  // Their own live reservation first; asking again renews it.
  const own = await c.query<Picked>(
    `UPDATE tasks t SET reserved_until = ${until}
     FROM reservations r
     WHERE r.project_id = $1 AND r.annotator = $2 AND t.project_id = $1 AND t.id = r.task_id
       AND t.reserved_by = $2 AND t.reserved_until > now() AND NOT t.completed
     RETURNING t.id, t.task`,
    [projectId, annotator, reservationMs],
  );
  if (own.rows[0]) return own.rows[0];
  // Let go of what they held before (expired, or no longer offered), so one annotator holds
  // one task. Done before the pick: a row this waits for is never one we have locked.
  await c.query(
    `UPDATE tasks t SET reserved_by = NULL, reserved_until = NULL
     FROM reservations r
     WHERE r.project_id = $1 AND r.annotator = $2 AND t.project_id = $1 AND t.id = r.task_id AND t.reserved_by = $2`,
    [projectId, annotator],
  );
  for (const { where, order } of candidates(sampling, Math.random())) {
    const { rows } = await c.query<Picked>(
      `WITH pick AS (
         SELECT id FROM tasks
         WHERE project_id = $1 AND ${where} AND ${FREE}
         ORDER BY ${order} LIMIT 1
         FOR UPDATE SKIP LOCKED
       )
       UPDATE tasks t SET reserved_by = $2, reserved_until = ${until}
       FROM pick WHERE t.project_id = $1 AND t.id = pick.id
       RETURNING t.id, t.task`,
      [projectId, annotator, reservationMs],
    );
    const picked = rows[0];
    if (!picked) continue;
    await c.query(
      `INSERT INTO reservations (project_id, annotator, task_id) VALUES ($1, $2, $3)
       ON CONFLICT (project_id, annotator) DO UPDATE SET task_id = excluded.task_id`,
      [projectId, annotator, picked.id],
    );
    return picked;
  }
  return undefined;
}

// The task list's orders as SQL, each served by an index (migrations/001_initial.sql).
//
// 'id' and '-id' walk the primary key. The four completion orders are two parts, as in the
// folder engine: the labeled tasks in the order's keys (a partial index WHERE completed),
// then the unlabeled ones by id (the partial index WHERE NOT completed). Where one part
// ends is the labeled count from project_counts, read in the same statement (so the same
// snapshot), so a page never counts rows and a part the page does not reach is not read.
//
// A page is found by ids first (an index-only scan with OFFSET over narrow index entries)
// and then its rows are read by primary key: OFFSET over the rows themselves would read
// every skipped task's JSON.
import type { TaskOrder } from '../store.ts';

interface OrderSql {
  /** ORDER BY of the labeled part (or of every task for id / -id), matching its index. */
  keys: string;
  /** Whether unlabeled tasks form a second part, by id. */
  split: boolean;
}

const ORDERS: Record<TaskOrder, OrderSql> = {
  id: { keys: 'id', split: false },
  '-id': { keys: 'id DESC', split: false },
  // Ties by id ascending in both directions; labeled tasks without a time after the timed ones.
  completed_at: { keys: 'done_at ASC NULLS LAST, id', split: true },
  '-completed_at': { keys: 'done_at DESC NULLS LAST, id', split: true },
  // By cancelled count, then the later completion first (untimed after timed), then id.
  has_cancelled_completions: { keys: 'cancelled ASC, done_at DESC NULLS LAST, id', split: true },
  '-has_cancelled_completions': { keys: 'cancelled DESC, done_at DESC NULLS LAST, id', split: true },
};

/**
 * The statement for one page: $1 project id, $2 offset, $3 limit. Returns rows of
 * (id, task, file) in page order.
 */
export function pageSql(order: TaskOrder): string {
  const o = ORDERS[order];
  if (!o) throw new Error(`Unknown task order ${String(order)}`);
  if (!o.split) {
    return `WITH page AS (
        SELECT id FROM tasks WHERE project_id = $1 ORDER BY ${o.keys} OFFSET $2 LIMIT $3
      )
      SELECT t.id, t.task, t.file FROM tasks t JOIN page p ON t.project_id = $1 AND t.id = p.id
      ORDER BY ${o.keys.replace(/\bid\b/g, 't.id')}`;
  }
  // head: labeled tasks from $2, only when $2 is inside that part (a one-time filter, not a
  // scan to its end). tail: the rest of the page from the unlabeled part.
  return `WITH labeled AS MATERIALIZED (
        SELECT completed AS n FROM project_counts WHERE project_id = $1
      ),
      head AS (
        SELECT id FROM tasks
        WHERE project_id = $1 AND completed AND $2 < (SELECT n FROM labeled)
        ORDER BY ${o.keys} OFFSET $2 LIMIT $3
      ),
      tail AS (
        SELECT id FROM tasks
        WHERE project_id = $1 AND NOT completed
        ORDER BY id
        OFFSET GREATEST($2 - (SELECT n FROM labeled), 0)
        LIMIT GREATEST($3 - GREATEST(LEAST((SELECT n FROM labeled) - $2, $3), 0), 0)
      )
      SELECT t.id, t.task, t.file FROM tasks t
      WHERE t.project_id = $1 AND t.id IN (SELECT id FROM head UNION ALL SELECT id FROM tail)
      ORDER BY t.completed DESC, ${o.keys.replace(/\bid\b/g, 't.id')}`;
}

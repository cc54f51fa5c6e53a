// GET /api/project/next: the next unlabeled task, with reservations per annotator.
import type { JsonObject } from '../domain/types.ts';
import { pickNextTask } from '../sampling/next.ts';
import type { ProjectContext } from './context.ts';
import { samplingOf } from './project.ts';
import { taskView } from './tasks.ts';

/**
 * annotator undefined (a plain curl loop) reserves nothing and ignores reservations of
 * others only in so far as 0.8 did: it still skips tasks that others hold.
 */
export function nextTask(ctx: ProjectContext, annotator: string | undefined): JsonObject | undefined {
  const state = ctx.store.state;
  const res = ctx.reservations;
  if (annotator !== undefined) {
    const held = res.heldBy(annotator);
    if (held !== undefined && state.tasks.has(held) && !state.isCompleted(held)) {
      res.reserve(held, annotator); // asking again renews the hold
      return taskView(state, held);
    }
  }
  const id = pickNextTask(state, samplingOf(state.settings), (tid) => !res.isTakenByOther(tid, annotator));
  if (id === undefined) return undefined;
  if (annotator !== undefined) res.reserve(id, annotator);
  return taskView(state, id);
}

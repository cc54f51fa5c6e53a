// GET /api/project/next: the next unlabeled task, reserved for its annotator by the store
// in the same step (two annotators, in any process, never get one task).
import type { JsonObject } from '../domain/types.ts';
import type { ProjectContext } from './context.ts';
import { samplingOf } from './project.ts';
import { taskView } from './tasks.ts';
import { withLivePredictions } from './models.ts';
import { withSignedUrls } from './storage.ts';

/**
 * annotator undefined (a plain curl loop) reserves nothing and ignores reservations of
 * others only in so far as 0.8 did: it still skips tasks that others hold. With ML
 * backends, a task without stored predictions gets live ones (ML_TIMEOUT_LIVE_PREDICT).
 */
export async function nextTask(ctx: ProjectContext, annotator: string | undefined): Promise<JsonObject | undefined> {
  const { settings } = await ctx.store.config();
  const stored = await ctx.store.next(annotator, samplingOf(settings));
  return stored && withLivePredictions(ctx, await withSignedUrls(ctx, taskView(stored)));
}

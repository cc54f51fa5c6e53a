// PATCH /api/project: project settings a client may change.
// 0.8 understood only {"ml_backend": "name=url"}, which adds an ML backend (services/
// models.ts checks and contacts it); the settings below are plain values checked here.
// Everything in one request is saved together, or nothing is.
import { z } from 'zod';
import type { ProjectSettings } from '../domain/types.ts';
import { SAMPLING_METHODS } from '../domain/types.ts';
import { badRequest } from '../errors.ts';
import type { ProjectContext } from './context.ts';
import { backendFromString, withBackend } from './models.ts';

const patchSchema = z
  .object({
    title: z.string().max(1000),
    description: z.string().max(10_000),
    instruction: z.string().max(100_000),
    sampling: z.enum(SAMPLING_METHODS),
    allow_delete_completions: z.boolean(),
    task_page_auto_update_timer: z.number().int().positive(),
    show_project_links_in_multisession: z.boolean(),
    enable_predictions_button: z.boolean(),
    ml_backend: z.string().min(1).max(2000),
    /** Train after every N new completions; 0 turns it off. */
    ml_train_every: z.number().int().min(0).max(1_000_000),
    ml_refresh_after_training: z.boolean(),
  })
  .partial()
  .strict();

export async function patchProject(ctx: ProjectContext, body: unknown): Promise<void> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('Body must be a JSON object of project settings', 'invalid_settings');
  }
  const parsed = patchSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : 'body';
    throw badRequest(`${where}: ${issue.message}`, 'invalid_settings');
  }
  if (Object.keys(parsed.data).length === 0) return;
  const { ml_backend: text, ...values } = parsed.data;
  // The backend is contacted first; the settings are read after that wait.
  const backend = text === undefined ? undefined : await backendFromString(ctx, text);
  const settings: ProjectSettings = { ...(await ctx.store.config()).settings, ...values };
  await ctx.store.saveConfig(backend ? withBackend(settings, backend) : settings);
}

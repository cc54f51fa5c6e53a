// `labelstream init` (and `start --init`): a project with a labeling config, settings and
// tasks from a file or folder; and the project options `start` applies to a project that
// exists. Everything goes through the services, so it is checked as the API checks it.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProjectContext } from '../services/context.ts';
import type { ProjectRegistry } from '../projects.ts';
import { saveLabelConfig } from '../services/project.ts';
import { patchProject } from '../services/settings.ts';
import { addBackendsFromCommandLine } from '../services/models.ts';
import { commitImport } from '../services/import.ts';
import { configTemplates } from '../labelConfig/templates.ts';
import { DEFAULT_LABEL_CONFIG, defaultSettings } from '../storage/defaults.ts';
import { AppError } from '../errors.ts';
import { prepareInput } from './inputs.ts';
import type { InputFormat } from './options.ts';

/** A command that cannot be done (the project exists, a file is missing ...): exit 1. */
export class CommandError extends Error {}

export interface ProjectOptions {
  labelConfigFile?: string;
  template?: string;
  inputPath?: string;
  inputFormat?: InputFormat;
  description?: string;
  mlBackends?: string[];
  sampling?: string;
}

async function labelConfigOf(o: ProjectOptions): Promise<string | undefined> {
  if (o.labelConfigFile !== undefined) {
    try {
      return await readFile(o.labelConfigFile, 'utf8');
    } catch (err) {
      throw new CommandError(`Cannot read --label-config ${o.labelConfigFile}: ${(err as Error).message}`);
    }
  }
  if (o.template !== undefined) {
    const templates = await configTemplates();
    const t = templates.find((x) => x.name === o.template);
    if (!t) throw new CommandError(`No template "${o.template}"; there are ${templates.map((x) => x.name).join(', ')}`);
    return t.config;
  }
  return undefined;
}

async function exists(projects: ProjectRegistry, name: string): Promise<boolean> {
  try {
    await projects.get(name);
    return true;
  } catch (err) {
    if (err instanceof AppError && err.code === 'project_not_found') return false;
    throw err;
  }
}

/** Settings and ML backends from the command line, saved in the project (init, and start). */
export async function applyProjectOptions(ctx: ProjectContext, o: Pick<ProjectOptions, 'description' | 'sampling' | 'mlBackends'>): Promise<void> {
  const patch: Record<string, unknown> = {};
  if (o.description !== undefined) patch.description = o.description;
  if (o.sampling !== undefined) patch.sampling = o.sampling;
  await patchProject(ctx, patch);
  if (o.mlBackends?.length) await addBackendsFromCommandLine(ctx, o.mlBackends);
}

/**
 * Creates the project: refused when it exists, unless `force`, which empties it first
 * (tasks, completions, uploads, settings; 0.8 emptied the folder). A project this call
 * created is removed again if a later step fails (folders; a database keeps it, empty).
 * Returns the opened project and how many tasks were imported.
 */
export async function initProject(projects: ProjectRegistry, name: string, o: ProjectOptions & { force: boolean }): Promise<{ ctx: ProjectContext; tasks: number }> {
  const labelConfig = await labelConfigOf(o);
  const existed = await exists(projects, name);
  if (existed && !o.force) {
    const ctx = await projects.get(name);
    throw new CommandError(`${ctx.store.location} project already exists. Use "--force" option to recreate it.`);
  }
  const ctx = await projects.get(name, { create: true });
  try {
    if (existed) {
      await ctx.store.deleteAllTasks();
      const stored: string[] = [];
      for await (const upload of ctx.store.uploads.list()) stored.push(upload);
      await ctx.store.uploads.remove(stored);
      await ctx.store.saveConfig(defaultSettings(), DEFAULT_LABEL_CONFIG);
    }
    if (labelConfig !== undefined) await saveLabelConfig(ctx, labelConfig);
    await applyProjectOptions(ctx, o);
    let tasks = 0;
    if (o.inputPath !== undefined) {
      const tempDir = await mkdtemp(join(tmpdir(), 'labelstream-init-'));
      try {
        const prepared = await prepareInput(ctx, o.inputFormat ?? 'json', o.inputPath, tempDir);
        tasks = (await commitImport(ctx, prepared)).task_count;
      } finally {
        await rm(tempDir, { recursive: true, force: true });
      }
    }
    return { ctx, tasks };
  } catch (err) {
    if (!existed && !ctx.settings.STORE_URL) {
      const folder = ctx.store.location;
      await projects.close().catch(() => {});
      await rm(folder, { recursive: true, force: true });
    }
    throw err;
  }
}

/** An error of a service as lines for a terminal: the detail, then each listed message. */
export function describeError(err: unknown): string {
  if (err instanceof AppError) {
    const extra = err.extra as Record<string, unknown> | undefined;
    const list = (extra?.errors ?? extra?.label_config) as unknown;
    if (Array.isArray(list) && list.length > 1) return `${err.message}:\n  ${list.map(String).join('\n  ')}`;
    if (Array.isArray(list) && list.length === 1) return String(list[0]);
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

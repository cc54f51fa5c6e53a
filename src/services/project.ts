// GET /api/project and the config/settings rules (api.md §5.4, §5.5).
import type { JsonObject, ProjectSettings } from '../domain/types.ts';
import { SAMPLING_METHODS } from '../domain/types.ts';
import { labelConfigLine, parseLabelConfig, type ParsedLabelConfig } from '../labelConfig/parse.ts';
import { validateLabelConfigAsync, type ValidationResult } from '../labelConfig/validate.ts';
import { producers, type TaskRules } from '../labelConfig/taskRules.ts';
import { AppError } from '../errors.ts';
import type { ProjectContext } from './context.ts';
import { readablePath } from './storage.ts';

const AVAILABLE_STORAGES = [
  ['s3', 'Amazon S3'],
  ['s3-completions', 'Amazon S3'],
  ['gcs', 'Google Cloud Storage'],
  ['gcs-completions', 'Google Cloud Storage'],
  ['completions-dir', 'Local [completions are in "completions" directory]'],
  ['tasks-json', 'Local [loading tasks from "tasks.json" file]'],
];

/** Keys whose values never leave the server (0.8 returned them to any client); _pass: an ML backend's basic_auth_pass. */
const SECRET_KEY = /password|secret|token|^username$|^aws_|credentials|private_key|_pass$/i;

export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!SECRET_KEY.test(k)) out[k] = redactSecrets(v);
    return out;
  }
  return value;
}

/** A config text parsed; one that no longer parses counts as none. */
export function parsedOrNull(labelConfig: string): ParsedLabelConfig | null {
  try {
    return parseLabelConfig(labelConfig);
  } catch {
    return null;
  }
}

/** The project's parsed config; a stored config that no longer parses counts as none. */
export async function currentConfig(ctx: ProjectContext): Promise<ParsedLabelConfig | null> {
  return parsedOrNull((await ctx.store.config()).labelConfig);
}

/** The data keys the current config reads ({} when it does not parse: nothing is checked). */
export async function currentDataTypes(ctx: ProjectContext): Promise<Record<string, string>> {
  return (await currentConfig(ctx))?.dataTypes ?? {};
}

/** What a config asks of tasks and completions (nothing but the key limit when it does not parse). */
export function taskRulesOf(config: ParsedLabelConfig | null, ctx: ProjectContext): TaskRules {
  return { dataTypes: config?.dataTypes ?? {}, ...(config && { producers: producers(config) }), maxDataKeys: ctx.settings.MAX_DATA_KEYS };
}

export async function currentTaskRules(ctx: ProjectContext): Promise<TaskRules> {
  return taskRulesOf(await currentConfig(ctx), ctx);
}

export async function serializeProject(ctx: ProjectContext): Promise<JsonObject> {
  const [{ settings, labelConfig }, counts] = await Promise.all([ctx.store.config(), ctx.store.counts()]);
  const local = (role: 'source' | 'target') => {
    const type = (settings[role] as JsonObject | undefined)?.type;
    return role === 'source' ? type !== 's3' && type !== 'gcs' : type !== 's3-completions' && type !== 'gcs-completions';
  };
  return {
    project_name: ctx.store.name,
    task_count: counts.tasks,
    completion_count: counts.completed,
    config: redactSecrets(settings) as JsonObject,
    instruction: settings.instruction ?? '',
    can_manage_tasks: local('source'),
    can_manage_completions: local('target'),
    can_delete_tasks: local('source') && local('target'),
    source_storage: { readable_path: readablePath(ctx, settings, 'source') },
    target_storage: { readable_path: readablePath(ctx, settings, 'target') },
    available_storages: AVAILABLE_STORAGES,
    source_syncing: ctx.cloud.sourceSyncing,
    target_syncing: ctx.cloud.targetSyncing,
    data_types: parsedOrNull(labelConfig)?.dataTypes ?? {},
    label_config_line: labelConfigLine(labelConfig),
    // Inverted, as 0.8's UI reads it: true in single-project mode.
    multi_session_mode: !ctx.settings.MULTI_SESSION,
  };
}

/** A refused config: 0.8's pages read the reasons from label_config. */
export function invalidLabelConfig(errors: string[]): AppError {
  return new AppError('invalid_label_config', errors.join('; '), { label_config: errors });
}

/** Validates a config against the project's tasks and completions. */
export async function checkLabelConfig(ctx: ProjectContext, xml: string): Promise<ValidationResult> {
  const [facts, current] = await Promise.all([ctx.store.configFacts(), currentDataTypes(ctx)]);
  return validateLabelConfigAsync(
    xml,
    { hasTasks: facts.taskCount > 0, commonDataKeys: facts.commonDataKeys, outputSchema: facts.outputSchema, currentDataTypes: current },
    // Read only for data keys whose tag changes: their stored values are re-checked.
    () => ctx.store.taskData(),
  );
}

/** Saves config.xml with label_config_updated in config.json; a rejected config changes nothing. */
export async function saveLabelConfig(ctx: ProjectContext, xml: string): Promise<void> {
  const result = await checkLabelConfig(ctx, xml);
  if (!result.ok) throw invalidLabelConfig(result.errors);
  const text = xml.replace(/\r\n?/g, '\n');
  const settings: ProjectSettings = { ...(await ctx.store.config()).settings, label_config_updated: true };
  await ctx.store.saveConfig(settings, text);
}

export function samplingOf(settings: ProjectSettings): (typeof SAMPLING_METHODS)[number] {
  const s = settings.sampling ?? 'sequential';
  return (SAMPLING_METHODS as readonly string[]).includes(s) ? (s as (typeof SAMPLING_METHODS)[number]) : 'sequential';
}

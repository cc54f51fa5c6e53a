// GET /api/project and the config/settings rules (api.md §5.4, §5.5).
import type { JsonObject, ProjectSettings } from '../domain/types.ts';
import { SAMPLING_METHODS } from '../domain/types.ts';
import { labelConfigLine, parseLabelConfig, type ParsedLabelConfig } from '../labelConfig/parse.ts';
import { validateLabelConfig, type ValidationResult } from '../labelConfig/validate.ts';
import { producers, type TaskRules } from '../labelConfig/taskRules.ts';
import { AppError } from '../errors.ts';
import type { ProjectContext } from './context.ts';

const AVAILABLE_STORAGES = [
  ['s3', 'Amazon S3'],
  ['s3-completions', 'Amazon S3'],
  ['gcs', 'Google Cloud Storage'],
  ['gcs-completions', 'Google Cloud Storage'],
  ['completions-dir', 'Local [completions are in "completions" directory]'],
  ['tasks-json', 'Local [loading tasks from "tasks.json" file]'],
];

/** Keys whose values never leave the server (0.8 returned them to any client). */
const SECRET_KEY = /password|secret|token|^username$|^aws_|credentials|private_key/i;

export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!SECRET_KEY.test(k)) out[k] = redactSecrets(v);
    return out;
  }
  return value;
}

/** The project's parsed config; a stored config that no longer parses counts as none. */
export function currentConfig(ctx: ProjectContext): ParsedLabelConfig | null {
  try {
    return parseLabelConfig(ctx.store.state.labelConfig);
  } catch {
    return null;
  }
}

/** The data keys the current config reads ({} when it does not parse: nothing is checked). */
export function currentDataTypes(ctx: ProjectContext): Record<string, string> {
  return currentConfig(ctx)?.dataTypes ?? {};
}

/** What the current config asks of tasks and completions (nothing but the key limit when it does not parse). */
export function currentTaskRules(ctx: ProjectContext): TaskRules {
  const config = currentConfig(ctx);
  return { dataTypes: config?.dataTypes ?? {}, ...(config && { producers: producers(config) }), maxDataKeys: ctx.settings.MAX_DATA_KEYS };
}

export function serializeProject(ctx: ProjectContext): JsonObject {
  const state = ctx.store.state;
  const settings = state.settings;
  const local = (role: 'source' | 'target') => {
    const type = (settings[role] as JsonObject | undefined)?.type;
    return role === 'source' ? type !== 's3' && type !== 'gcs' : type !== 's3-completions' && type !== 'gcs-completions';
  };
  const dir = ctx.store.folder;
  return {
    project_name: ctx.store.name,
    task_count: state.taskCount,
    completion_count: state.completedCount,
    config: redactSecrets(settings) as JsonObject,
    instruction: settings.instruction ?? '',
    can_manage_tasks: local('source'),
    can_manage_completions: local('target'),
    can_delete_tasks: local('source') && local('target'),
    source_storage: { readable_path: `${dir}/tasks.json` },
    target_storage: { readable_path: `${dir}/completions` },
    available_storages: AVAILABLE_STORAGES,
    source_syncing: false,
    target_syncing: false,
    data_types: currentDataTypes(ctx),
    label_config_line: labelConfigLine(state.labelConfig),
    // Inverted, as 0.8's UI reads it: true in single-project mode.
    multi_session_mode: true,
  };
}

/** A refused config: 0.8's pages read the reasons from label_config. */
export function invalidLabelConfig(errors: string[]): AppError {
  return new AppError('invalid_label_config', errors.join('; '), { label_config: errors });
}

/** Validates a config against the project's tasks and completions. */
export function checkLabelConfig(ctx: ProjectContext, xml: string): ValidationResult {
  const state = ctx.store.state;
  return validateLabelConfig(xml, {
    hasTasks: state.taskCount > 0,
    commonDataKeys: state.commonDataKeys(),
    outputSchema: state.outputSchema(),
    // Read only for data keys whose tag changes: their stored values are re-checked.
    tasks: () => state.tasks.values(),
    currentDataTypes: currentDataTypes(ctx),
  });
}

/** Saves config.xml with label_config_updated in config.json; a rejected config changes nothing. */
export async function saveLabelConfig(ctx: ProjectContext, xml: string): Promise<void> {
  const result = checkLabelConfig(ctx, xml);
  if (!result.ok) throw invalidLabelConfig(result.errors);
  const text = xml.replace(/\r\n?/g, '\n');
  const settings: ProjectSettings = { ...ctx.store.state.settings, label_config_updated: true };
  await ctx.store.saveConfig(settings, text);
}

export function samplingOf(settings: ProjectSettings): (typeof SAMPLING_METHODS)[number] {
  const s = settings.sampling ?? 'sequential';
  return (SAMPLING_METHODS as readonly string[]).includes(s) ? (s as (typeof SAMPLING_METHODS)[number]) : 'sequential';
}

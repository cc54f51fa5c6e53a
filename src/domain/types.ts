// The records a project holds, in the shapes Label Studio 0.8 stores them.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A tasks.json entry: {"id", "data", ["predictions"]} (other keys kept as found). */
export interface Task {
  id: number;
  data: JsonObject;
  predictions?: JsonObject[];
  [key: string]: unknown;
}

/** One completion: whatever the client sent plus the server's id and created_at. */
export interface Completion {
  id: number;
  created_at?: number;
  [key: string]: unknown;
}

/** A completions/<id>.json file: a snapshot of the task plus its completions. */
export interface CompletionFile {
  id: number;
  data: JsonObject;
  completions: Completion[];
  [key: string]: unknown;
}

/**
 * An ML backend of config.json's ml_backends. 0.8 wrote url and name only; protocol
 * ("legacy" or "v2", detected when absent) and HTTP Basic credentials for the backend are
 * ours. Other keys are kept as found.
 */
export interface MlBackendEntry {
  url: string;
  name: string;
  protocol?: 'legacy' | 'v2';
  basic_auth_user?: string;
  basic_auth_pass?: string;
  [key: string]: unknown;
}

/** config.json: free-form, with the keys the server reads typed. */
export interface ProjectSettings {
  title?: string;
  description?: string;
  instruction?: string;
  allow_delete_completions?: boolean;
  sampling?: string;
  ml_backends?: MlBackendEntry[];
  /** Start training after every N new completions (0 or absent: never; not in 0.8). */
  ml_train_every?: number;
  /** After a training job, refresh the predictions of unlabeled tasks (not in 0.8). */
  ml_refresh_after_training?: boolean;
  source?: JsonObject;
  target?: JsonObject;
  [key: string]: unknown;
}

export const SAMPLING_METHODS = ['sequential', 'uniform', 'prediction-score-min', 'prediction-score-max'] as const;
export type SamplingMethod = (typeof SAMPLING_METHODS)[number];

/** A task to be added, after import parsing: data plus optional annotations. */
export interface NewTask {
  data: JsonObject;
  predictions?: JsonObject[];
  completions?: JsonObject[];
}

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A completion counts as cancelled if was_cancelled or the legacy skipped is truthy. */
export function isCancelled(c: Completion | JsonObject): boolean {
  return Boolean(c.was_cancelled) || Boolean(c.skipped);
}

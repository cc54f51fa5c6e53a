// Storage settings (api.md §5.12), the cloud storages' status and sync, and the signed
// URLs of s3:// and gs:// task data (§6.4). The rules of what a storage may be are here;
// src/cloud/ talks to the buckets.
//
// Fixed from 0.8.2 (§12 quirks 13, 14, 27): only the six public types are accepted, for
// their own role, with the query's type equal to the body's; a missing or unknown
// storage_for and a missing regex are 400s, not a silent 201 or a 500; credentials are kept
// in config.json but no answer ever shows them (redactSecrets, and the form never refills
// them).
import type { JsonObject, ProjectSettings } from '../domain/types.ts';
import { isJsonObject } from '../domain/types.ts';
import { AppError } from '../errors.ts';
import { StorageAnswered } from '../cloud/bucket.ts';
import { cloudReadablePath, cloudStorageOf, kindOf, STORAGE_TYPES, type Role } from '../cloud/config.ts';
import { EndpointRefused } from '../cloud/guard.ts';
import { bucketFor, cloudOptions } from '../cloud/runtime.ts';
import type { ProjectContext } from './context.ts';
import { currentDataTypes } from './project.ts';

const DESCRIPTIONS: Record<string, string> = {
  s3: 'Amazon S3',
  's3-completions': 'Amazon S3',
  gcs: 'Google Cloud Storage',
  'gcs-completions': 'Google Cloud Storage',
  'tasks-json': 'Local [loading tasks from "tasks.json" file]',
  'completions-dir': 'Local [completions are in "completions" directory]',
};

type FieldType = 'StringField' | 'BooleanField';
interface FieldSpec {
  name: string;
  type: FieldType;
  description: string;
  default: string | boolean | null;
  required?: boolean;
}

const PATH: FieldSpec = { name: 'path', type: 'StringField', description: 'Storage path (e.g. bucket name)', default: null, required: true };
const REGEX: FieldSpec = { name: 'regex', type: 'StringField', description: 'File filter by regex, example: .* (If not specified, all files will be skipped)', default: null };
const DATA_KEY: FieldSpec = { name: 'data_key', type: 'StringField', description: 'Task tag key from your label config', default: null };
const BLOB_URLS: FieldSpec = {
  name: 'use_blob_urls',
  type: 'BooleanField',
  description:
    'Generate task data with URLs pointed to your bucket objects (for resources like jpg, mp3 & other BLOBs). This could be used for label configs with <b>one data key only</b>. If not selected, bucket objects will be interpreted as tasks in Label Studio JSON format and it\'s suitable for <b>multiple data keys</b>',
  default: true,
};
const prefix = (description: string): FieldSpec => ({ name: 'prefix', type: 'StringField', description, default: null });
const LOCAL_COPY: FieldSpec = { name: 'create_local_copy', type: 'BooleanField', description: 'Create a local copy on your disk', default: true };

/** The form of each type, in 0.8's order. */
const FORMS: Record<string, FieldSpec[]> = {
  'tasks-json': [],
  'completions-dir': [],
  s3: [PATH, prefix('File prefix'), REGEX, DATA_KEY, BLOB_URLS, { name: 'region', type: 'StringField', description: 'AWS region name for S3 bucket', default: 'us-east-1' }],
  gcs: [PATH, prefix('File prefix'), REGEX, DATA_KEY, BLOB_URLS],
  's3-completions': [PATH, prefix('S3 Bucket prefix'), LOCAL_COPY],
  'gcs-completions': [PATH, prefix('GCS Bucket prefix'), LOCAL_COPY],
};

/** Accepted besides the form's fields, never shown back: where to connect, and credentials. */
const EXTRA: Record<'s3' | 'gcs', Record<string, 'string' | 'credentials'>> = {
  s3: { endpoint_url: 'string', aws_access_key_id: 'string', aws_secret_access_key: 'string', aws_session_token: 'string' },
  gcs: { endpoint_url: 'string', google_credentials: 'credentials' },
};

/** Where a role's storage is, as 0.8 showed it: the local file or folder, or s3://bucket/prefix. */
export function readablePath(ctx: ProjectContext, settings: ProjectSettings, role: Role): string {
  const cloud = cloudStorageOf(settings, role);
  if (cloud) return cloudReadablePath(cloud);
  return `${ctx.store.location}/${role === 'source' ? 'tasks.json' : 'completions'}`;
}

function fieldObject(f: FieldSpec, data: unknown): JsonObject {
  return {
    name: f.name,
    type: f.type,
    data: (data ?? null) as JsonObject[string],
    default: f.default,
    description: f.description,
    id: f.name,
    short_name: f.name,
    object_data: null,
    raw_data: null,
    render_kw: null,
    do_not_call_in_templates: true,
  };
}

/** GET /api/project/storage-settings: every type's form for both roles, the current one filled in. */
export async function storageSettingsForms(ctx: ProjectContext): Promise<JsonObject> {
  const { settings } = await ctx.store.config();
  const firstKey = Object.keys(await currentDataTypes(ctx))[0];
  const out: JsonObject = {};
  for (const role of ['source', 'target'] as const) {
    const desc = isJsonObject(settings[role]) ? (settings[role] as JsonObject) : {};
    const params = isJsonObject(desc.params) ? desc.params : {};
    const path = readablePath(ctx, settings, role);
    const forms: JsonObject = {};
    for (const type of STORAGE_TYPES[role]) {
      const current = desc.type === type;
      const fields = FORMS[type]!.map((f) => {
        // The current storage's values (0.8 did not refill use_blob_urls and data_key).
        let data: unknown = current ? (f.name === 'path' ? desc.path : params[f.name]) : undefined;
        if (data === undefined || data === null) data = f.default;
        if (f.name === 'data_key' && !data && firstKey !== undefined) data = firstKey;
        return fieldObject(f, data);
      });
      forms[type] = { type, current, description: DESCRIPTIONS[type]!, path, fields };
    }
    out[role] = forms;
  }
  return out;
}

function refused(errors: Record<string, string[]>): AppError {
  const [field, messages] = Object.entries(errors)[0]!;
  return new AppError('invalid_storage_settings', `${field}: ${messages[0]}`, { errors });
}

/** The new config.<role> from a POST, or the per-field errors (0.8's form shape). */
function parseStorageForm(query: Record<string, unknown>, body: unknown, defaultRegion: string): { role: Role; descriptor: JsonObject } {
  const role = query.storage_for;
  if (role !== 'source' && role !== 'target') {
    throw refused({ storage_for: [`?storage_for= must be "source" or "target"${role === undefined ? '' : `, not ${JSON.stringify(role)}`}`] });
  }
  if (!isJsonObject(body)) throw refused({ type: ['The body must be a JSON object of the form\'s fields and "type"'] });
  const type = body.type;
  const allowed: readonly string[] = STORAGE_TYPES[role];
  if (typeof type !== 'string' || !allowed.includes(type)) {
    throw refused({ type: [`${type === undefined ? 'This field is required' : `${JSON.stringify(type)} is not a ${role} storage type`}: one of ${allowed.join(', ')}`] });
  }
  if (query.type !== undefined && query.type !== type) throw refused({ type: [`The body's type ${JSON.stringify(type)} differs from ?type=${String(query.type)}`] });
  const form = FORMS[type]!;
  const kind = kindOf(type);
  const extra = kind ? EXTRA[kind] : {};
  const errors: Record<string, string[]> = {};
  const err = (f: string, m: string) => (errors[f] ??= []).push(m);
  for (const k of Object.keys(body)) if (k !== 'type' && !form.some((f) => f.name === k) && !(k in extra)) err(k, `Unknown field for ${type}`);
  const values: JsonObject = {};
  for (const f of form) {
    const v = body[f.name];
    if (f.type === 'BooleanField') {
      if (v !== undefined && typeof v !== 'boolean') err(f.name, 'Must be true or false');
      // 0.8: a missing checkbox is false (an unticked box is not sent), not its default.
      values[f.name] = v === true;
    } else {
      if (v !== undefined && v !== null && typeof v !== 'string') err(f.name, 'Must be a string');
      values[f.name] = typeof v === 'string' ? v.trim() : '';
    }
  }
  if (kind) {
    if (!values.path) err('path', 'This field is required.');
    if (form.includes(REGEX)) {
      // 0.8 crashed on a missing regex (500); an empty one lists nothing, so say it.
      if (body.regex === undefined) err('regex', 'This field is required (an empty regex lists no files; .* lists them all).');
      else {
        try {
          new RegExp(String(values.regex));
        } catch {
          err('regex', `${String(values.regex)} is not a valid regular expression`);
        }
      }
    }
    if (type === 's3' && !values.region) values.region = defaultRegion;
    for (const [k, how] of Object.entries(extra)) {
      const v = body[k];
      if (v === undefined || v === null || v === '') continue;
      if (how === 'credentials') {
        let parsed: unknown = v;
        if (typeof v === 'string') {
          try {
            parsed = JSON.parse(v);
          } catch {
            parsed = undefined;
          }
        }
        if (!isJsonObject(parsed)) err(k, 'Must be a service account key (a JSON object)');
        else values[k] = parsed;
      } else if (typeof v !== 'string') err(k, 'Must be a string');
      else if (k === 'endpoint_url' && !/^https?:\/\/[^/]/.test(v)) err(k, 'Must be an http:// or https:// URL');
      else values[k] = v;
    }
  }
  if (Object.keys(errors).length) throw refused(errors);
  if (!kind) return { role, descriptor: { name: role, type, path: null, params: {} } };
  const { path, ...params } = values;
  return { role, descriptor: { name: role, type, path: path!, params } };
}

/** Checks that a cloud storage can be used before it is saved: the bucket must answer. */
async function checkStorage(ctx: ProjectContext, settings: ProjectSettings, role: Role): Promise<void> {
  const storage = cloudStorageOf(settings, role);
  if (!storage) return;
  const options = cloudOptions(ctx.settings);
  let bucket;
  try {
    bucket = bucketFor(storage, options);
    await bucket.check(AbortSignal.timeout(options.timeoutMs));
  } catch (err) {
    const message = (err as Error).message || (err as Error).name;
    if (err instanceof StorageAnswered || err instanceof EndpointRefused) {
      throw new AppError('storage_update_failed', `Error while storage update: ${message}`);
    }
    throw new AppError('cloud_storage_unreachable', `Error while storage update: ${cloudReadablePath(storage)} cannot be reached (${message})`);
  } finally {
    bucket?.close();
  }
}

/** POST /api/project/storage-settings: checks, saves config.<role>, and puts the storage to work. */
export async function saveStorageSettings(ctx: ProjectContext, query: Record<string, unknown>, body: unknown): Promise<void> {
  const { role, descriptor } = parseStorageForm(query, body, ctx.settings.S3_REGION);
  const candidate: ProjectSettings = { ...(await ctx.store.config()).settings, [role]: descriptor };
  await checkStorage(ctx, candidate, role);
  // Read again after the check's wait: only this role's storage changes.
  const settings: ProjectSettings = { ...(await ctx.store.config()).settings, [role]: descriptor };
  await ctx.store.saveConfig(settings);
  await ctx.cloud.refresh();
  if (role === 'source' && cloudStorageOf(settings, 'source')) void ctx.cloud.syncNow();
  // A new target gets every completed task at once, then each change as it happens.
  if (role === 'target' && cloudStorageOf(settings, 'target')) ctx.cloud.targetChanged(await ctx.store.completedIds());
}

/** POST /api/project/storage-sync: a source sync now (answered when it is done), target retries now; target=all writes every completed task again. */
export async function syncStorages(ctx: ProjectContext, query: Record<string, unknown>): Promise<void> {
  if (query.target !== undefined && query.target !== 'all') throw new AppError('bad_request', '?target= can only be "all" (write every completed task to the target again)');
  await ctx.cloud.refresh();
  if (query.target === 'all') ctx.cloud.targetChanged(await ctx.store.completedIds());
  ctx.cloud.retryTarget();
  await ctx.cloud.syncNow();
}

/** s3:// and gs:// values of a task's data as URLs that download them (api.md §6.4); others as they are. */
export async function withSignedUrls(ctx: ProjectContext, view: JsonObject): Promise<JsonObject> {
  const data = view.data;
  if (!isJsonObject(data)) return view;
  let out: JsonObject | undefined;
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== 'string' || !(v.startsWith('s3://') || v.startsWith('gs://'))) continue;
    const url = await ctx.cloud.signedUrl(v);
    if (url === undefined) continue;
    out ??= { ...data };
    out[k] = url;
  }
  return out ? { ...view, data: out } : view;
}

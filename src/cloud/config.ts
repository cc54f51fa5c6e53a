// A project's storages as config.json holds them (api.md §2.1, §6): {"name", "type",
// "path", "params"}, written by POST /api/project/storage-settings. The six types the UI
// offers; only s3/gcs sources and s3-completions/gcs-completions targets are cloud ones.
import type { JsonObject, ProjectSettings } from '../domain/types.ts';
import { isJsonObject } from '../domain/types.ts';

export type Role = 'source' | 'target';

export const STORAGE_TYPES = {
  source: ['s3', 'gcs', 'tasks-json'],
  target: ['s3-completions', 'gcs-completions', 'completions-dir'],
} as const;

export type CloudKind = 's3' | 'gcs';

/** A cloud storage's settings, typed. Secrets are here and nowhere an API answer reads from. */
export interface CloudStorage {
  role: Role;
  kind: CloudKind;
  type: string;
  bucket: string;
  prefix: string;
  /** '' lists nothing (0.8: "If not specified, all files will be skipped"). */
  regex: string;
  dataKey: string;
  useBlobUrls: boolean;
  region?: string;
  endpoint?: string;
  s3Credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  gcsCredentials?: Record<string, unknown>;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function kindOf(type: unknown): CloudKind | undefined {
  if (type === 's3' || type === 's3-completions') return 's3';
  if (type === 'gcs' || type === 'gcs-completions') return 'gcs';
  return undefined;
}

/** The project's cloud storage for a role, or undefined when it is a local one. */
export function cloudStorageOf(settings: ProjectSettings, role: Role): CloudStorage | undefined {
  const desc = settings[role];
  if (!isJsonObject(desc)) return undefined;
  const kind = kindOf(desc.type);
  if (!kind || !(STORAGE_TYPES[role] as readonly string[]).includes(String(desc.type))) return undefined;
  const p: JsonObject = isJsonObject(desc.params) ? desc.params : {};
  const out: CloudStorage = {
    role,
    kind,
    type: String(desc.type),
    bucket: str(desc.path),
    prefix: str(p.prefix),
    regex: str(p.regex),
    dataKey: str(p.data_key),
    useBlobUrls: p.use_blob_urls === true,
  };
  if (str(p.region)) out.region = str(p.region);
  if (str(p.endpoint_url)) out.endpoint = str(p.endpoint_url);
  if (str(p.aws_access_key_id) && str(p.aws_secret_access_key)) {
    out.s3Credentials = { accessKeyId: str(p.aws_access_key_id), secretAccessKey: str(p.aws_secret_access_key), ...(str(p.aws_session_token) && { sessionToken: str(p.aws_session_token) }) };
  }
  if (isJsonObject(p.google_credentials)) out.gcsCredentials = p.google_credentials;
  return out;
}

/** s3://bucket/prefix or gs://bucket/prefix, as 0.8 showed a cloud storage's place. */
export function cloudReadablePath(s: CloudStorage): string {
  return `${s.kind === 's3' ? 's3' : 'gs'}://${s.bucket}/${s.prefix}`;
}

/** The object a target writes for a task: <prefix>/<task id> (0.8's name). */
export function targetKey(s: CloudStorage, taskId: number): string {
  const prefix = s.prefix.replace(/\/+$/, '');
  return prefix ? `${prefix}/${taskId}` : String(taskId);
}

/** Identifies a storage's connection: a change of any of these makes a new client. */
export function connectionKey(s: CloudStorage | undefined): string {
  return s ? JSON.stringify([s.kind, s.bucket, s.region, s.endpoint, s.s3Credentials, s.gcsCredentials]) : '';
}

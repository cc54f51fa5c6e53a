// The ML backends of a project: config.json's ml_backends entries (spec ml-backend.md §1),
// how one is made from the strings 0.8 took ("name=url" or a bare url), and what a name
// and a URL must be.
import { randomUUID } from 'node:crypto';
import type { MlBackendEntry, ProjectSettings } from '../domain/types.ts';
import { isJsonObject } from '../domain/types.ts';

export type Protocol = 'legacy' | 'v2';
export const PROTOCOLS: readonly Protocol[] = ['legacy', 'v2'];

/**
 * The entries the server can use, in config order. A hand-edited entry without a string
 * url and name is left out here (and kept in config.json as found).
 */
export function backendsOf(settings: ProjectSettings): MlBackendEntry[] {
  const list = Array.isArray(settings.ml_backends) ? (settings.ml_backends as unknown[]) : [];
  return list.filter((e): e is MlBackendEntry => isJsonObject(e) && typeof e.url === 'string' && typeof e.name === 'string' && e.url !== '' && e.name !== '');
}

/**
 * Backend names are sent to the backend as `project`, and legacy backends make a folder of
 * it (<model_dir>/<project>/): a name added through the API is kept to characters that
 * are safe there. (0.8 took anything; entries already in config.json are used as they are.)
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return '"name" must be a non-empty string';
  if (!NAME.test(name) || name.includes('..')) return `"name" ${JSON.stringify(name)} must be at most 100 letters, digits, ".", "_" or "-", starting with a letter or digit`;
  return undefined;
}

/**
 * A backend URL: http or https with a host; a path prefix is kept (…/ml + predict →
 * …/ml/predict). Credentials go in basic_auth_user/basic_auth_pass, which are never shown
 * back, not in the URL, which is. A query or fragment would be dropped by URL building.
 */
export function urlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.trim() === '') return '"url" must be a non-empty string';
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return `Specified string ${JSON.stringify(url)} doesn't look like URL.`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `ML backend URL ${JSON.stringify(url)} must start with http:// or https://`;
  if (!parsed.hostname) return `Specified string ${JSON.stringify(url)} doesn't look like URL.`;
  if (parsed.username || parsed.password) return 'Put ML backend credentials in "basic_auth_user" and "basic_auth_pass", not in the URL (the URL is shown to clients)';
  if (parsed.search || parsed.hash) return `ML backend URL ${JSON.stringify(url)} must not have a query or fragment`;
  return undefined;
}

/**
 * 0.8's rule (`_create_ml_backend_params`): "name=http..." splits at the first "=";
 * otherwise the name is the project's name plus 4 characters of a fresh uuid.
 */
export function entryFromString(text: string, projectName: string): { name: string; url: string } {
  const trimmed = text.trim();
  if (trimmed.includes('=http')) {
    const at = trimmed.indexOf('=');
    return { name: trimmed.slice(0, at), url: trimmed.slice(at + 1).trim() };
  }
  return { name: projectName + randomUUID().slice(0, 4), url: trimmed };
}

/** `suffix` under the backend's URL, its path prefix kept (spec §2.1). */
export function endpointUrl(base: string, suffix: string): URL {
  return new URL(suffix, base.endsWith('/') ? base : base + '/');
}

/** An entry as clients see it: without credentials. */
export function publicEntry(entry: MlBackendEntry): Record<string, unknown> {
  const { basic_auth_pass: _secret, ...rest } = entry;
  return rest;
}

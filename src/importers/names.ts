// File names: which extension decides an input's kind, and the names imported files are
// stored under in upload/. A stored name is "<md5 hex of the content>-<sanitized base name>",
// as Label Studio 0.8 named them (api.md §2.6), so the same file gets the same URL in both
// servers and an upload of it again reuses the stored file; no name can leave the folder.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** The extension with its dot, case preserved ("A.CSV" → ".CSV"); "" when there is none. */
export function extensionOf(name: string): string {
  const base = baseName(name);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot) : '';
}

/** The last path segment, for "/" and "\" alike (browsers on Windows send both). */
export function baseName(name: string): string {
  const parts = name.split(/[/\\]/);
  return parts[parts.length - 1] ?? '';
}

/**
 * The name whose extension decides a multipart part's kind. 0.8 used the form field name,
 * so `curl -F file=@t.csv` hosted the CSV as a binary named "file"; we take the file's
 * own name, and the field name only when the file name has no extension (the 0.8 UI
 * sends the file name as the field name, so it keeps working).
 */
export function decisionName(fileName: string | undefined, fieldName: string): string {
  if (fileName && extensionOf(fileName)) return fileName;
  if (extensionOf(fieldName)) return fieldName;
  return fileName || fieldName || 'file';
}

const MAX_STORED_BASE = 120;

/**
 * A base name safe on any file system and in a URL path segment: letters, digits, ".",
 * "_" and "-" only, no leading dot, at most 120 characters (the extension kept).
 */
export function sanitizeBaseName(name: string): string {
  let base = baseName(name)
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._-]/gu, '_')
    .replace(/^[.]+/, '');
  if (base.length > MAX_STORED_BASE) {
    const ext = extensionOf(base).slice(0, 20);
    base = base.slice(0, MAX_STORED_BASE - ext.length) + ext;
  }
  return base || 'file';
}

/**
 * The md5 of a file in hex, 0.8's prefix of a stored name. md5 collisions can be made on
 * purpose, so a name being taken does not prove the bytes are the same: the stores compare
 * them before reusing a stored file, and refuse a different file under a taken name
 * (upload_conflict) rather than point a task at someone else's bytes.
 */
export async function contentHash(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function storedName(hash: string, name: string): string {
  return `${hash}-${sanitizeBaseName(name)}`;
}

/**
 * The URL a task gets for a stored file: PUBLIC_URL (may be '') + /data/upload/<name>, and
 * `query` ('?project=<name>' in a project addressed by name, so that a browser's request
 * for the file reaches that project; 0.8 ignores it and serves the same name).
 */
export function uploadUrl(publicUrl: string, stored: string, query = ''): string {
  return `${publicUrl.replace(/\/+$/, '')}/data/upload/${encodeURIComponent(stored)}${query}`;
}

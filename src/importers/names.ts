// File names: which extension decides an input's kind, and the names imported files are
// stored under in upload/. A stored name is "<content hash>-<sanitized base name>", so two
// different files never share a name and no name can leave the folder.
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
 * 32 hex digits of the SHA-256 of a file: the length of 0.8's md5 prefix, without md5's
 * constructible collisions (two different uploads must never get one name).
 */
export async function contentHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex').slice(0, 32);
}

export function storedName(hash: string, name: string): string {
  return `${hash}-${sanitizeBaseName(name)}`;
}

/** The URL a task gets for a stored file: PUBLIC_URL (may be '') + /data/upload/<name>. */
export function uploadUrl(publicUrl: string, stored: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/data/upload/${encodeURIComponent(stored)}`;
}

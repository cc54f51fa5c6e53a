// Paths built from requests, confined to their folder.
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * The real path of root/<requested> if it is a file inside root, else undefined. The
 * request path arrives still percent-encoded: it is decoded once here, and anything that
 * could point elsewhere is refused: "..", absolute paths, backslashes, NUL, hidden
 * segments (temporary files), and symlinks that lead out of root.
 */
export async function resolveInside(root: string, requested: string): Promise<string | undefined> {
  let rel: string;
  try {
    rel = decodeURIComponent(requested);
  } catch {
    return undefined;
  }
  if (rel === '' || rel.includes('\0') || rel.includes('\\') || isAbsolute(rel)) return undefined;
  const segments = rel.split('/');
  if (segments.some((s) => s === '' || s.startsWith('.'))) return undefined;
  const candidate = resolve(root, rel);
  if (!candidate.startsWith(resolve(root) + sep)) return undefined;
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(candidate)]);
    const inside = relative(realRoot, realFile);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return undefined;
    if (!(await stat(realFile)).isFile()) return undefined;
    return realFile;
  } catch {
    return undefined;
  }
}

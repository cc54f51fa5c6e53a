// Multi-session mode (MULTI_SESSION=1, api.md §8): every browser session works in its own
// project. The session is a signed cookie holding the user's uuid, the current project's
// uuid and its owner (another user's, after a share link); a project lives at
// <PROJECTS_DIR>/<user uuid>/<project uuid>/ (0.8's layout, so folders move between the two
// servers), or under the same name in PostgreSQL. The first request of a browser creates its
// user and first project.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Request, Response } from 'express';
import { AppError } from '../errors.ts';
import type { ProjectRegistry } from '../projects.ts';
import type { ProjectContext } from '../services/context.ts';

const COOKIE = 'session';
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Session {
  /** The user (a browser), by uuid. */
  user: string;
  /** The current project's uuid, and the user whose folder holds it. */
  project: string;
  owner: string;
}

/**
 * The key sessions are signed with: SESSION_SECRET, else one made on first use and kept
 * in PROJECTS_DIR/.session-secret, so sessions outlive a restart.
 */
async function sessionKey(registry: ProjectRegistry): Promise<Buffer> {
  if (registry.settings.SESSION_SECRET) return Buffer.from(registry.settings.SESSION_SECRET);
  const dir = resolve(registry.settings.PROJECTS_DIR);
  const path = join(dir, '.session-secret');
  const kept = await readFile(path, 'utf8').catch(() => undefined);
  if (kept && kept.trim().length >= 32) return Buffer.from(kept.trim());
  await mkdir(dir, { recursive: true });
  const made = randomBytes(32).toString('hex');
  await writeFile(path, made, { mode: 0o600 });
  return Buffer.from(made);
}

export class Sessions {
  private key: Promise<Buffer> | undefined;

  constructor(private readonly registry: ProjectRegistry) {}

  private signature(payload: string, key: Buffer): Buffer {
    return createHmac('sha256', key).update(payload).digest();
  }

  private async read(req: Request): Promise<Session | undefined> {
    const m = /(?:^|;\s*)session=([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '');
    if (!m) return undefined;
    const key = await (this.key ??= sessionKey(this.registry));
    const given = Buffer.from(m[2]!, 'base64url');
    const wanted = this.signature(m[1]!, key);
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return undefined;
    try {
      const s = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as Session;
      return UUID.test(s.user) && UUID.test(s.project) && UUID.test(s.owner) ? s : undefined;
    } catch {
      return undefined;
    }
  }

  private async write(res: Response, s: Session): Promise<void> {
    const key = await (this.key ??= sessionKey(this.registry));
    const payload = Buffer.from(JSON.stringify(s)).toString('base64url');
    const value = `${payload}.${this.signature(payload, key).toString('base64url')}`;
    res.cookie(COOKIE, value, { httpOnly: true, sameSite: 'lax', maxAge: 365 * 24 * 3600 * 1000, path: '/' });
  }

  private nameOf(s: Session): string {
    return `${s.owner}/${s.project}`;
  }

  /** The session's current project; a browser without a session gets a user and a project. */
  async projectOf(req: Request, res: Response): Promise<ProjectContext> {
    const s = await this.read(req);
    if (s) return this.registry.get(this.nameOf(s), { create: s.owner === s.user });
    const user = randomUUID();
    return this.start(res, { user, owner: user, project: randomUUID() });
  }

  private async start(res: Response, s: Session, description?: string): Promise<ProjectContext> {
    const ctx = await this.registry.get(this.nameOf(s), { create: true });
    if (description !== undefined) {
      const { settings } = await ctx.store.config();
      await ctx.store.saveConfig({ ...settings, description });
    }
    await this.write(res, s);
    return ctx;
  }

  /** POST /api/project?new=1&desc=...: a new project of the session's user, made current. */
  async newProject(req: Request, res: Response, description: string | undefined): Promise<ProjectContext> {
    const s = await this.read(req);
    const user = s?.user ?? randomUUID();
    // The description stays with the new project (0.8 kept it for every later one).
    return this.start(res, { user, owner: user, project: randomUUID() }, description);
  }

  /** /api/project-switch?uuid=: the project of that uuid, whoever owns it, made current. */
  async switchTo(req: Request, res: Response, uuid: unknown): Promise<ProjectContext> {
    if (typeof uuid !== 'string' || !UUID.test(uuid)) throw new AppError('bad_request', 'Not a valid UUID');
    const owner = await this.registry.ownerOf(uuid);
    if (!owner) throw new AppError('project_not_found', `No project ${uuid}`);
    const s = await this.read(req);
    const user = s?.user ?? randomUUID();
    const ctx = await this.registry.get(`${owner}/${uuid}`);
    await this.write(res, { user, owner, project: uuid });
    return ctx;
  }

  /** The session user's own projects, by uuid. */
  async projectsOf(req: Request): Promise<string[]> {
    const s = await this.read(req);
    return s ? this.registry.namesUnder(s.user) : [];
  }
}

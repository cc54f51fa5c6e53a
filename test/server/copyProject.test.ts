// npm run copy-project: a folder written by Label Studio 0.8.2 copied into PostgreSQL and
// back out to a folder; the round trip gives the same export and the same files, and the
// folder it writes is in 0.8's layout.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { openProjectContext } from '../../src/projects.ts';
import { testSettings } from '../../src/settings.ts';
import { pino } from 'pino';
import { freshDatabase } from '../helpers/postgres.ts';
import { FIXTURES } from '../http/support.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));

async function copyProject(from: string, to: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/copyProject.ts', from, to], { cwd: repo, timeout: 60_000 });
  return stdout;
}

/** The answers a client would compare: the project's counts, tasks and exports. */
async function answers(projectsDir: string, project: string, settings: Record<string, string> = {}) {
  const s = testSettings({ PROJECTS_DIR: projectsDir, PROJECT: project, LOG_LEVEL: 'silent', ...settings });
  const log = pino({ level: 'silent' });
  const ctx = await openProjectContext(s, log);
  const app = createApp({ settings: s, logger: log, project: ctx });
  try {
    const project = (await request(app).get('/api/project')).body as Record<string, unknown>;
    const tasks = (await request(app).get('/api/tasks?page_size=100')).body;
    const json = (await request(app).get('/api/project/export?format=JSON')).body;
    const minimal = (await request(app).get('/api/project/export?format=JSON_MIN')).body;
    const upload = (await request(app).get(`/data/upload/${(tasks as { data: { image: string } }[])[0]!.data.image.split('/').pop()}`)).status;
    return { counts: [project.task_count, project.completion_count], config: project.config, tasks, json, minimal, upload };
  } finally {
    await ctx.ml.close();
    await ctx.store.close();
  }
}

describe('npm run copy-project', () => {
  let root: string;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ls-copy-'));
    db = await freshDatabase();
    await cp(join(FIXTURES, 'image-multisession'), join(root, 'original'), { recursive: true });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await db.drop();
  });

  it('folder → PostgreSQL → folder gives the same answers and a 0.8 folder', async () => {
    const before = await answers(root, 'original');
    expect(before.counts).toEqual([1, 1]);
    expect(before.upload).toBe(200);

    const into = await copyProject(join(root, 'original'), `${db.url}#imported`);
    expect(into).toMatch(/copied 1 tasks \(1 with completions\), \d+ remembered completion ids and 1 files/);
    const inPostgres = await answers(root, 'imported', { STORE_URL: db.url });
    expect(inPostgres).toEqual({ ...before, config: inPostgres.config });
    expect(inPostgres.config).toEqual(before.config);

    await copyProject(`${db.url}#imported`, join(root, 'back'));
    const after = await answers(root, 'back');
    expect(after).toEqual(before);

    // The folder written is in 0.8's layout, its upload byte for byte the original.
    const tasks = JSON.parse(await readFile(join(root, 'back', 'tasks.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(tasks)).toEqual(['0']);
    expect(await readdir(join(root, 'back', 'completions'))).toEqual(['0.json']);
    const [name] = await readdir(join(root, 'original', 'upload'));
    expect(await readFile(join(root, 'back', 'upload', name!))).toEqual(await readFile(join(root, 'original', 'upload', name!)));

    // A target that is not empty is refused, and left as it was.
    await expect(copyProject(join(root, 'original'), join(root, 'back'))).rejects.toThrow(/is not empty \(1 tasks\)/);
    expect(await answers(root, 'back')).toEqual(before);
  }, 120_000);
});

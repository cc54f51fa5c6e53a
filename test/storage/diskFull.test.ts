// A full disk (issue "Full disks, hostile clients"): a write is acknowledged only when all
// of it is on disk; a write that fails changes nothing visible and is a 507 naming the
// project folder, logged once at error level; writes resume once there is room, without a
// restart; and across a restart nothing acknowledged is lost and nothing refused appears.
//
// The disk is a real tmpfs of 4 MB mounted for the test (root, or a machine that allows it).
// Where mounting is not allowed the journal's file handle is wrapped in one that writes
// only as many bytes as a byte budget allows (a short write, then ENOSPC), which is what
// the kernel does on a full disk; the test then says so in its name. FORCE_FAULT=1 runs
// the fallback where mounting works too.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, readFile, rm, stat, statfs, unlink, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { testSettings } from '../../src/settings.ts';
import { openProjectContext } from '../../src/projects.ts';
import type { FolderStore } from '../../src/storage/folder/folderStore.ts';
import type { ProjectContext } from '../../src/services/context.ts';
import { choiceCompletion } from '../http/support.ts';

const root = await mkdtemp(join(tmpdir(), 'ls-diskfull-'));
const mountPoint = join(root, 'disk');
await mkdir(mountPoint);

function tryMountTmpfs(): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const realDisk = process.env.FORCE_FAULT ? false : tryMountTmpfs();

/** The "disk" of the fallback: bytes the journal may still write. */
const budget = { left: Infinity };

/** A journal file handle that stops at the budget: a short write, then ENOSPC. */
async function budgetedHandle(path: string): Promise<FileHandle> {
  const fh = await open(path, 'a');
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  return new Proxy(fh, {
    get(target, prop) {
      if (prop === 'write') {
        return async (buf: Buffer, offset = 0, length = buf.length - offset) => {
          if (budget.left <= 0) throw enospc();
          const n = Math.min(length, budget.left);
          const r = await target.write(buf, offset, n);
          budget.left -= r.bytesWritten;
          return r;
        };
      }
      if (prop === 'truncate') {
        return async (len: number) => {
          const before = (await target.stat()).size;
          await target.truncate(len);
          budget.left += Math.max(0, before - len);
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

const filler = join(mountPoint, 'filler.bin');

/** Fills the disk up completely (or, in the fallback, leaves the journal no budget). */
async function fillDisk(leaveBytes = 0): Promise<void> {
  if (!realDisk) {
    budget.left = leaveBytes;
    return;
  }
  const fh = await open(filler, 'a');
  try {
    const chunk = Buffer.alloc(64 * 1024, 1);
    const free = async () => {
      const s = await statfs(mountPoint);
      return s.bavail * s.bsize;
    };
    while ((await free()) > leaveBytes) {
      const want = Math.min(chunk.length, (await free()) - leaveBytes);
      try {
        await fh.write(chunk, 0, Math.max(want, 1));
      } catch {
        break; // ENOSPC: full
      }
    }
  } finally {
    await fh.close();
  }
}

async function freeDisk(): Promise<void> {
  if (!realDisk) {
    budget.left = Infinity;
    return;
  }
  await unlink(filler).catch(() => {});
}

const projects = join(mountPoint, 'projects');
const settings = testSettings({ PROJECTS_DIR: projects, LOG_LEVEL: 'info' });
const folder = join(projects, settings.PROJECT);
const logs: { level: number; msg: string }[] = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(line, _enc, cb) {
      logs.push(JSON.parse(String(line)));
      cb();
    },
  }),
);

let project: ProjectContext;
let app: ReturnType<typeof createApp>;

async function openServer(): Promise<void> {
  project = await openProjectContext(settings, logger, settings.PROJECT, realDisk ? {} : { openJournalFile: budgetedHandle });
  app = createApp({ settings, logger, project });
}

const journal = join(folder, 'journal.jsonl');
const texts = (n: number, from = 0, size = 180) => Array.from({ length: n }, (_, i) => ({ text: `task ${from + i} `.padEnd(size, 'x') }));

async function taskIds(): Promise<number[]> {
  const res = await request(app).get('/api/tasks?page_size=100000&fields=id');
  expect(res.status).toBe(200);
  return (res.body as { id: number }[]).map((t) => t.id);
}

/** Every line of the journal is a whole JSON record (no torn tail left behind). */
async function expectWholeJournal(): Promise<void> {
  const text = await readFile(journal, 'utf8');
  if (text === '') return;
  expect(text.endsWith('\n'), 'journal ends with a whole line').toBe(true);
  for (const line of text.slice(0, -1).split('\n')) expect(() => JSON.parse(line)).not.toThrow();
}

/**
 * Grows the journal to a multiple of 4 KiB with one padded task, so that on the full tmpfs
 * the next record needs a new page (a write into the last page's slack would succeed).
 */
async function alignJournal(): Promise<void> {
  const size = (await stat(journal)).size;
  const probe = JSON.stringify({ t: 'tasks', tasks: [{ id: (await taskIds()).at(-1)! + 1, data: { text: '' } }], files: [] }).length + 1;
  let pad = 4096 - ((size + probe) % 4096);
  if (pad === 4096) pad = 0;
  await request(app).post('/api/project/import').send([{ text: 'p'.repeat(pad) }]).expect(201);
  expect((await stat(journal)).size % 4096).toBe(0);
}

const diskFullErrors = () => logs.filter((l) => l.level >= 50 && /^writes to .* fail \(No space left/.test(l.msg));

describe(`a full disk${realDisk ? ' (a real 4 MB tmpfs)' : ' (fault injection: the journal file handle stops at a byte budget)'}`, () => {
  beforeAll(openServer);
  afterAll(async () => {
    await project.store.close({ checkpoint: false }).catch(() => {});
    if (realDisk) execFileSync('umount', [mountPoint]);
    await rm(root, { recursive: true, force: true });
  });

  let acknowledged: number[] = [];

  it('acknowledges writes while there is room', async () => {
    const res = await request(app).post('/api/project/import').send(texts(10));
    expect(res.status).toBe(201);
    await request(app).post('/api/tasks/0/completions').send(choiceCompletion('Positive')).expect(201);
    acknowledged = await taskIds();
    expect(acknowledged).toHaveLength(10);
  });

  it('refuses an import that fills the disk mid-record with 507 naming the folder, and keeps nothing of it', async () => {
    await alignJournal();
    acknowledged = await taskIds();
    const journalBefore = (await stat(journal)).size;
    // Room for a few KB: the 2,000-task record (~400 KB) is cut short by the disk.
    await fillDisk(16 * 1024);
    const res = await request(app).post('/api/project/import').send(texts(2000, 100));
    expect(res.status).toBe(507);
    expect(res.body).toEqual({ status: 507, code: 'disk_full', detail: expect.stringContaining(folder) });
    expect(await taskIds()).toEqual(acknowledged);
    expect((await request(app).get('/api/project')).body.task_count).toBe(acknowledged.length);
    // The part of the record that reached the file was cut off again.
    expect((await stat(journal)).size).toBe(journalBefore);
    await expectWholeJournal();
  });

  it('refuses small writes on a full disk too, each changing nothing, and logs the failure once', async () => {
    await fillDisk(0);
    const before = await taskIds();
    const del = await request(app).delete('/api/tasks/1');
    expect(del.status).toBe(507);
    expect(del.body.code).toBe('disk_full');
    const imp = await request(app).post('/api/project/import').send([{ text: 'y'.repeat(5000) }]);
    expect(imp.status).toBe(507);
    const comp = await request(app).post('/api/tasks/2/completions').send(choiceCompletion('Negative', 1, 'r'.repeat(5000)));
    expect(comp.status).toBe(507);
    expect(await taskIds()).toEqual(before);
    expect((await request(app).get('/api/tasks/2')).body.completions).toBeUndefined();
    expect((await request(app).get('/api/completions')).body).toEqual({ ids: [0] });
    expect(diskFullErrors(), 'one error line for the whole spell').toHaveLength(1);
    await expectWholeJournal();
  });

  it('resumes writing once there is room again, without a restart', async () => {
    await freeDisk();
    const res = await request(app).post('/api/project/import').send(texts(2000, 100));
    expect(res.status).toBe(201);
    expect(res.body.task_count).toBe(2000);
    await request(app).delete('/api/tasks/1').expect(204);
    acknowledged = await taskIds();
    expect(acknowledged).toHaveLength(acknowledged.length);
    expect(acknowledged).not.toContain(1);
    expect(logs.some((l) => /work again/.test(l.msg))).toBe(true);
    expect(diskFullErrors()).toHaveLength(1);
  });

  it('keeps every acknowledged write and nothing refused across a restart', async () => {
    const expectedTasks = acknowledged;
    const completed = (await request(app).get('/api/completions')).body;
    // A crash, not a clean stop: no checkpoint, the journal is replayed.
    await project.store.close({ checkpoint: false });
    await openServer();
    expect(await taskIds()).toEqual(expectedTasks);
    expect((await request(app).get('/api/completions')).body).toEqual(completed);
    const texts1 = (await request(app).get('/api/tasks?page_size=100000')).body as { data: { text: string } }[];
    expect(texts1.filter((t) => t.data.text === 'y'.repeat(5000))).toHaveLength(0);
    // And through a checkpoint.
    await project.store.close();
    await openServer();
    expect(await taskIds()).toEqual(expectedTasks);
  });

  it('a checkpoint that cannot be written is retried later, and loses nothing', async () => {
    if (!realDisk) return; // checkpoint files are not written through the journal's handle
    await fillDisk(0);
    await expect((project.store as FolderStore).checkpoint()).rejects.toThrow();
    await freeDisk();
    await request(app).post('/api/project/import').send(texts(3, 5000)).expect(201);
    const ids = await taskIds();
    await (project.store as FolderStore).checkpoint();
    await project.store.close({ checkpoint: false });
    await writeFile(join(folder, 'probe'), ''); // the disk has room again
    await openServer();
    expect(await taskIds()).toEqual(ids);
    const checkpointed = JSON.parse(await readFile(join(folder, 'tasks.json'), 'utf8')) as Record<string, { data: { text: string } }>;
    expect(checkpointed[String(ids.at(-1))]!.data.text).toMatch(/^task 5002 /);
  });
});

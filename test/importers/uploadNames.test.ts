// Uploaded files are named as Label Studio 0.8 names them, <md5 hex of the content>-<name>
// (api.md §2.6), so a file gets the same /data/upload/ URL in both servers; the same bytes
// uploaded again reuse the stored file, other bytes under the same file name get another
// name, and a different file under a taken name (an md5 collision) is refused.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { CONFIGS, setConfig, storedTasks } from './support.ts';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
/** The PNG a 0.8.2 server stored as upload/011727d935627522ac74a1614abc37a6-img.png. */
const LS082_UPLOAD = fileURLToPath(new URL('../fixtures/ls082-projects/image-multisession/upload/011727d935627522ac74a1614abc37a6-img.png', import.meta.url));

async function uploads(t: TestApp): Promise<string[]> {
  const names: string[] = [];
  for await (const name of t.project.store.uploads.list()) names.push(name);
  return names;
}

/** GET of a URL's bytes (supertest leaves binary types unread). */
async function bytesAt(t: TestApp, url: string): Promise<{ status: number; type: string | undefined; body: Buffer }> {
  const res = await request(t.app)
    .get(url)
    .buffer(true)
    .parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  return { status: res.status, type: res.headers['content-type'] as string | undefined, body: res.body as Buffer };
}

async function importFile(t: TestApp, bytes: Buffer, name: string): Promise<{ status: number; url?: string; body: unknown }> {
  const res = await request(t.app).post('/api/project/import').attach('file', bytes, name);
  if (res.status !== 201) return { status: res.status, body: res.body };
  const id = (res.body as { new_task_ids: number[] }).new_task_ids[0]!;
  const task = (await storedTasks(t)).find((x) => x.id === id)!;
  return { status: 201, url: task.data.image as string, body: res.body };
}

describe('uploaded file names (<md5>-<name>, as 0.8)', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
    await setConfig(t, CONFIGS.image);
  });
  afterEach(async () => {
    await t.close();
  });

  it('names the file <md5 hex>-<name>, and its /data/ URL serves the bytes: the URL 0.8 gave the same file', async () => {
    const png = await readFile(LS082_UPLOAD);
    const { status, url } = await importFile(t, png, 'img.png');
    expect(status).toBe(201);
    expect(url).toBe('/data/upload/011727d935627522ac74a1614abc37a6-img.png');
    expect(url).toBe(`/data/upload/${md5(png)}-img.png`);
    const served = await bytesAt(t, url!);
    expect(served.status).toBe(200);
    expect(served.type).toBe('image/png');
    expect(served.body.equals(png)).toBe(true);
    expect(await uploads(t)).toEqual(['011727d935627522ac74a1614abc37a6-img.png']);
  });

  it('in a project addressed by name the URL carries ?project=, so the browser\'s request reaches that project', async () => {
    const png = await readFile(LS082_UPLOAD);
    await request(t.app).post('/api/projects').send({ name: 'pics' }).expect(201);
    await request(t.app).post('/api/project/config?project=pics').send({ label_config: CONFIGS.image }).expect(201);
    const res = await request(t.app).post('/api/project/import?project=pics').attach('file', png, 'img.png');
    expect(res.status).toBe(201);
    const task = await request(t.app).get(`/api/tasks/${res.body.new_task_ids[0]}?project=pics`).expect(200);
    const url = task.body.data.image as string;
    expect(url).toBe('/data/upload/011727d935627522ac74a1614abc37a6-img.png?project=pics');
    const served = await bytesAt(t, url);
    expect(served.status).toBe(200);
    expect(served.body.equals(png)).toBe(true);
    // The server's own project does not have it.
    expect((await bytesAt(t, url.replace(/\?.*$/, ''))).status).toBe(404);
  });

  it('the same bytes uploaded twice: two tasks, one URL, one stored file', async () => {
    const bytes = Buffer.from('not really a jpeg, but bytes all the same');
    const first = await importFile(t, bytes, 'photo.jpg');
    const second = await importFile(t, bytes, 'photo.jpg');
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.url).toBe(first.url);
    expect(first.url).toBe(`/data/upload/${md5(bytes)}-photo.jpg`);
    expect((await storedTasks(t)).map((x) => x.data.image)).toEqual([first.url, first.url]);
    expect(await uploads(t)).toEqual([`${md5(bytes)}-photo.jpg`]);
  });

  it('other bytes under the same file name get another name; both files stay', async () => {
    const a = Buffer.from('first photo');
    const b = Buffer.from('second photo');
    const first = await importFile(t, a, 'photo.jpg');
    const second = await importFile(t, b, 'photo.jpg');
    expect(first.url).toBe(`/data/upload/${md5(a)}-photo.jpg`);
    expect(second.url).toBe(`/data/upload/${md5(b)}-photo.jpg`);
    expect(first.url).not.toBe(second.url);
    expect((await uploads(t)).sort()).toEqual([`${md5(a)}-photo.jpg`, `${md5(b)}-photo.jpg`].sort());
    expect((await bytesAt(t, second.url!)).body.toString()).toBe('second photo');
  });

  it('names stay one sanitized segment: a path or odd characters in the file name do not leave upload/', async () => {
    const bytes = Buffer.from('escape attempt');
    const { status, url } = await importFile(t, bytes, '../../config x?.png');
    expect(status).toBe(201);
    expect(url).toBe(`/data/upload/${md5(bytes)}-config_x_.png`);
    expect(await uploads(t)).toEqual([`${md5(bytes)}-config_x_.png`]);
  });

  it('a different file under a taken name (an md5 collision) is refused with 409, nothing imported or replaced', async () => {
    // An md5 collision cannot be made here cheaply: the store is given the other bytes
    // under the name the upload will take, as a colliding earlier upload would have left it.
    const mine = Buffer.from('the file being uploaded');
    const name = `${md5(mine)}-photo.jpg`;
    const work = await mkdtemp(join(tmpdir(), 'ls-collision-'));
    try {
      await writeFile(join(work, 'other'), 'somebody else\'s bytes, same md5 (pretend)');
      await t.project.store.uploads.put([{ name, tempPath: join(work, 'other') }]);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    const res = await importFile(t, mine, 'photo.jpg');
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'upload_conflict' });
    expect(await storedTasks(t)).toEqual([]);
    expect((await bytesAt(t, `/data/upload/${name}`)).body.toString()).toBe('somebody else\'s bytes, same md5 (pretend)');
  });
});

// Several projects in one server (issue "Many projects, cloud storage sync, and the command
// line"): ?project=<name> and GET|POST /api/projects in single-user mode; multi-session mode
// (api.md §8): two browsers get two projects, a new project, a switch, a share link.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { expectRejected, folderFiles, snapshot, expectUnchanged } from './support.ts';

let t: TestApp;
afterEach(async () => {
  await t.close();
});

const texts = (res: request.Response) => (res.body as { data: { text: string } }[]).map((x) => x.data.text);

describe('?project=<name> in single-user mode', () => {
  it('creates projects by name, addresses them with ?project=, lists them with their counts', async () => {
    t = await makeTestApp();
    const made = await request(t.app).post('/api/projects').send({ name: 'cats', title: 'Cats' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ project_name: 'cats', task_count: 0, config: { title: 'Cats' } });
    await request(t.app).post('/api/project/import?project=cats').send([{ text: 'meow' }, { text: 'purr' }]).expect(201);
    await request(t.app).post('/api/project/import').send([{ text: 'default one' }]).expect(201);
    expect(texts(await request(t.app).get('/api/tasks?project=cats'))).toEqual(['meow', 'purr']);
    expect(texts(await request(t.app).get('/api/tasks'))).toEqual(['default one']);
    await request(t.app).post('/api/tasks/1/completions?project=cats').send({ result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Positive'] } }] }).expect(201);
    const list = await request(t.app).get('/api/projects');
    expect(list.status).toBe(200);
    expect(list.body.projects).toEqual(
      expect.arrayContaining([
        { name: 'cats', title: 'Cats', task_count: 2, completion_count: 1 },
        { name: t.project.store.name, title: 'Label Studio', task_count: 1, completion_count: 0 },
      ]),
    );
  });

  it('refuses bad and unknown names, and a name that exists, changing nothing', async () => {
    t = await makeTestApp();
    await request(t.app).post('/api/projects').send({ name: 'dogs' }).expect(201);
    await expectRejected(t, [
      { method: 'get', path: '/api/tasks?project=..%2Fescape', status: 400, code: 'bad_request', expected: { detail: expect.stringContaining('project must be a project name') } },
      { method: 'get', path: '/api/tasks?project=a/b', status: 400, code: 'bad_request' },
      { method: 'get', path: '/api/tasks?project=x&project=y', status: 400, code: 'bad_request' },
      { method: 'post', path: '/api/project/import?project=nope', body: [{ text: 'x' }], status: 404, code: 'project_not_found', expected: { detail: 'No project "nope"; create it with POST /api/projects {"name": "nope"}' } },
      { method: 'post', path: '/api/projects', body: { name: 'dogs' }, status: 409, code: 'project_exists' },
      { method: 'post', path: '/api/projects', body: { name: 'has space' }, status: 400, code: 'bad_request' },
      { method: 'post', path: '/api/projects', body: {}, status: 400, code: 'bad_request' },
      { method: 'post', path: '/api/project?new=1', status: 400, code: 'single_project' },
      { method: 'post', path: '/api/project-switch?uuid=6f1c2a57-1c1e-4d6f-9d7a-0c9b1f3b8e21', status: 400, code: 'single_project' },
    ]);
  });

  it('20 projects imported into in parallel each keep exactly their own tasks', async () => {
    t = await makeTestApp();
    const names = Array.from({ length: 20 }, (_, i) => `p${i}`);
    await Promise.all(names.map((name) => request(t.app).post('/api/projects').send({ name }).expect(201)));
    await Promise.all(
      names.flatMap((name) =>
        [0, 1, 2].map((batch) =>
          request(t.app)
            .post(`/api/project/import?project=${name}`)
            .send(Array.from({ length: 50 }, (_, i) => ({ text: `${name} ${batch}-${i}` })))
            .expect(201),
        ),
      ),
    );
    for (const name of names) {
      const tasks = texts(await request(t.app).get(`/api/tasks?project=${name}&page_size=1000`));
      expect(tasks).toHaveLength(150);
      expect(tasks.every((x) => x.startsWith(`${name} `))).toBe(true);
    }
  });

  it('a damaged project folder is refused with its name while the others keep serving', async () => {
    t = await makeTestApp();
    if (t.engine !== 'folder') return; // a folder's damage; PostgreSQL has its own failure tests
    await request(t.app).post('/api/projects').send({ name: 'good' }).expect(201);
    const bad = join(t.root, 'broken');
    await mkdir(bad, { recursive: true });
    await writeFile(join(bad, 'config.json'), '{}');
    await writeFile(join(bad, 'tasks.json'), '{"0": {"id": 0, "data": {"text": "a"}}, oops');
    const res = await request(t.app).get('/api/tasks?project=broken');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'project_unavailable', detail: expect.stringMatching(/^Project "broken" cannot be opened: Cannot open the project: .*tasks\.json/) });
    expect((await request(t.app).get('/api/tasks?project=good')).status).toBe(200);
    expect((await request(t.app).get('/api/tasks')).status).toBe(200);
    const list = await request(t.app).get('/api/projects');
    expect(list.body.projects).toContainEqual({ name: 'broken', error: expect.stringContaining('broken') });
  });
});

describe('multi-session mode (MULTI_SESSION=1)', () => {
  const project = (agent: ReturnType<typeof request.agent>) => agent.get('/api/project').then((r) => r.body as { project_name: string; config: { description: string }; multi_session_mode: boolean });

  it('two browsers get two projects; a new project; a switch; a share link', async () => {
    t = await makeTestApp({ MULTI_SESSION: 'true' });
    const alice = request.agent(t.app);
    const bob = request.agent(t.app);
    const a1 = await project(alice);
    const b1 = await project(bob);
    const uuid = /^[0-9a-f-]{36}\/[0-9a-f-]{36}$/;
    expect(a1.project_name).toMatch(uuid);
    expect(b1.project_name).toMatch(uuid);
    expect(a1.project_name).not.toBe(b1.project_name);
    expect(a1.multi_session_mode).toBe(false); // inverted, as 0.8's UI reads it
    // The same browser keeps its project.
    expect((await project(alice)).project_name).toBe(a1.project_name);
    await alice.post('/api/project/import').send([{ text: 'alice 1' }]).expect(201);
    expect(texts(await bob.get('/api/tasks'))).toEqual([]);
    if (t.engine === 'folder') {
      const [user, proj] = a1.project_name.split('/');
      expect(await readdir(join(t.root, user!, proj!))).toEqual(expect.arrayContaining(['config.json', 'config.xml']));
    }

    // A new project for alice, with its description, becomes current.
    const made = await alice.post('/api/project?new=1&desc=Second%20project');
    expect(made.status).toBe(201);
    expect(made.body.project_name).not.toBe(a1.project_name);
    expect(made.body.project_name.split('/')[0]).toBe(a1.project_name.split('/')[0]);
    expect(made.body.config.description).toBe('Second project');
    expect(texts(await alice.get('/api/tasks'))).toEqual([]);
    expect((await alice.get('/api/projects')).body.projects).toHaveLength(2);
    // Bob's next new project does not inherit it (0.8 kept the description for everyone).
    expect((await project(bob)).config.description).toBe('default');

    // Switch back: POST answers with the project switched to.
    const firstUuid = a1.project_name.split('/')[1]!;
    const back = await alice.post(`/api/project-switch?uuid=${firstUuid}`);
    expect(back.status).toBe(200);
    expect(back.body.project_name).toBe(a1.project_name);
    expect(texts(await alice.get('/api/tasks'))).toEqual(['alice 1']);

    // A share link: bob opens alice's first project, and lands on the setup page.
    const shared = await bob.get(`/api/project-switch?uuid=${firstUuid}`);
    expect(shared.status).toBe(302);
    expect(shared.headers.location).toBe('/setup');
    expect(texts(await bob.get('/api/tasks'))).toEqual(['alice 1']);
    // A browser without a session following the link gets one that points there.
    const carol = request.agent(t.app);
    await carol.get(`/api/project-switch?uuid=${firstUuid}`).expect(302);
    expect((await project(carol)).project_name).toBe(a1.project_name);
  });

  it('an unknown or malformed uuid and ?project= are refused, changing nothing', async () => {
    t = await makeTestApp({ MULTI_SESSION: 'true' });
    const alice = request.agent(t.app);
    // Taken through alice's session: a request without one would open a project of its own.
    const state = async () => ({
      project: (await alice.get('/api/project').expect(200)).body,
      projects: (await alice.get('/api/projects').expect(200)).body,
      files: await folderFiles(t!.dir),
    });
    const before = await state();
    const unknown = await alice.post('/api/project-switch?uuid=6f1c2a57-1c1e-4d6f-9d7a-0c9b1f3b8e21');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('project_not_found');
    const bad = await alice.post('/api/project-switch?uuid=not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toBe('Not a valid UUID');
    expect((await alice.post('/api/project-switch')).status).toBe(400);
    expect((await alice.get('/api/tasks?project=x')).status).toBe(400);
    expect(await state()).toEqual(before);
    // A forged cookie is a new session, not someone else's project.
    const forged = await request(t.app).get('/api/project').set('Cookie', 'session=eyJ1c2VyIjoiYSJ9.AAAA');
    expect(forged.status).toBe(200);
    expect(forged.body.project_name).not.toBe(before.project.project_name);
  });
});

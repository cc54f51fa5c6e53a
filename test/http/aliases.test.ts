// Label Studio 0.8's deprecated routes answer as their current counterparts (the test
// apps register them, as a server started from a command line does; see the last test).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { pino } from 'pino';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { createApp } from '../../src/app.ts';
import { ProjectRegistry } from '../../src/projects.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

const result = (choice: string) => [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [choice] } }];

describe('deprecated routes', () => {
  it('save-config, import, next, completions_ids, export, expert_instruction, project/completions, tasks/delete', async () => {
    await request(t.app)
      .post('/api/save-config')
      .send({ label_config: '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices></View>' })
      .expect(201);
    expect((await t.project.store.config()).labelConfig).toContain('<Choice value="Negative"/></Choices>');

    const imported = await request(t.app).post('/api/import').send([{ text: 'a' }, { text: 'b' }]).expect(201);
    expect(imported.body.new_task_ids).toEqual([0, 1]);

    expect((await request(t.app).get('/api/projects/1/next/').expect(200)).body).toEqual({ id: 0, data: { text: 'a' } });
    await request(t.app).post('/api/tasks/1/completions').send({ result: result('Positive') }).expect(201);
    expect((await request(t.app).get('/api/projects/1/completions_ids/').expect(200)).body).toEqual([1]);

    const exported = await request(t.app).get('/api/export?format=JSON_MIN').expect(200);
    expect(exported.body).toEqual([{ text: 'b', id: 1, sentiment: 'Positive' }]);

    const instruction = await request(t.app).get('/api/projects/1/expert_instruction').expect(200);
    expect(instruction.type).toBe('text/html');
    expect(instruction.text).toContain('Type some <b>hypertext</b>');

    expect((await request(t.app).delete('/api/project/completions/').expect(201)).body).toEqual({ detail: 'done' });
    expect((await request(t.app).get('/api/completions')).body).toEqual({ ids: [] });

    await request(t.app).delete('/api/tasks/delete').expect(204);
    expect((await request(t.app).get('/api/project')).body.task_count).toBe(0);
  });

  it('an app embedded through createApp has none of them unless asked (0.8 registered them in its CLI only)', async () => {
    const logger = pino({ level: 'silent' });
    const embedded = createApp({ settings: t.settings, logger, projects: new ProjectRegistry(t.settings, logger, t.project) });
    await request(embedded).post('/api/import').send([{ text: 'a' }]).expect(404);
    await request(embedded).get('/api/projects/1/completions_ids/').expect(404);
    await request(embedded).post('/api/remove-ml-backend').send({ name: 'x' }).expect(404);
    await request(embedded).delete('/api/tasks/delete').expect(400); // a task id that is not a number
    await request(embedded).get('/upload/anything.png').expect(404);
    await request(embedded).post('/api/project/import').send([{ text: 'a' }]).expect(201);
    await request(t.app).get('/api/projects/1/completions_ids/').expect(200);
  });
});

// Label Studio 0.8's deprecated routes answer as their current counterparts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';

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
});

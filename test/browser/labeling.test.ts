// The labeling page in headless Chromium against a real server on 127.0.0.1
// (labeling-ui.md §6): label and submit with the prediction pre-filled, skip, "no more
// data", explore mode update and delete; two browsers are two annotators; API errors are
// shown; a config or instruction with </script> in it cannot break the page. Every test
// fails on any page error or console error but the answers it expects.
//
// Pre-filled predictions: one imported with its task, and one a real ML backend (the
// example model, trained through the API) stored by a prediction job.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { launchBrowser, lsfIdle, screenshotOnFailure, watchPage, type PageProblems } from '../helpers/browser.ts';
import { resetProject, sentimentPrediction, startPageServer, type PageServer, type StoredTaskView } from './support.ts';
import { startExampleBackend } from '../helpers/mlBackends.ts';

const NO_MORE_DATA = 'No more data available for labeling';
const NEXT_404 = { status: 404, path: /^\/api\/project\/next\/?$/ };

// One browser, one browser context and one server for the file (each takes seconds to
// start, and a new context loads the 2 MB LSF bundle cold); every test gets a new page,
// no cookies (a new annotator) and an empty project.
let browser: Browser;
let context: BrowserContext;
let s: PageServer;
beforeAll(async () => {
  [browser, s] = await Promise.all([launchBrowser(), startPageServer()]);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
});
afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

const pathOf = (r: Request) => new URL(r.url()).pathname;
const choice = (page: Page, label: string) => page.locator('.ant-checkbox-wrapper', { hasText: label });

describe('the labeling page', () => {
  let page: Page;
  let problems: PageProblems;

  beforeEach(async () => {
    await Promise.all([resetProject(s), context.clearCookies()]);
    page = await context.newPage();
    problems = watchPage(page, [NEXT_404]);
  });
  afterEach(async (test) => {
    if (test.task.result?.state === 'fail') await screenshotOnFailure(page, test.task.name);
    await page?.close();
  });

  it('pre-fills the prediction of a real ML backend (the example naive-Bayes model, trained and asked through the API)', async () => {
    const backend = await startExampleBackend();
    try {
      const reviews = ['great food and friendly staff', 'terrible service, cold food', 'great staff, great food', 'cold and terrible'];
      expect((await s.api('POST', '/api/project/import', reviews.map((text) => ({ text })))).status).toBe(201);
      expect((await s.api('POST', '/api/models', { name: 'nb', url: backend.url })).status).toBe(201);
      // Two completions to learn from, then a training and a prediction job.
      for (const [id, label] of [[0, 'Positive'], [1, 'Negative']] as const) {
        const made = await s.api('POST', `/api/tasks/${id}/completions`, { result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [label] } }] });
        expect(made.status).toBe(201);
      }
      const waitJob = async (job: { id: string }) => {
        for (let i = 0; i < 100; i++) {
          const view = await s.api<{ status: string }>('GET', `/api/models/jobs/${job.id}`);
          if (view.body.status !== 'running' && view.body.status !== 'queued') return view.body;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error('job did not end');
      };
      expect(await waitJob((await s.api<{ job: { id: string } }>('POST', '/api/models/train')).body.job)).toMatchObject({ status: 'done' });
      const predicting = await s.api<{ job: { id: string } }>('POST', '/api/models/predictions?mode=all_tasks');
      expect(predicting.status).toBe(202);
      expect(await waitJob(predicting.body.job)).toMatchObject({ status: 'done' });
      const task2 = await s.api<{ predictions: { model_version: string; result: { value: { choices: string[] } }[] }[] }>('GET', '/api/tasks/2');
      const predicted = task2.body.predictions[0]!.result[0]!.value.choices[0]!;
      expect(predicted).toBe('Positive');

      await page.goto(`${s.base}/`);
      await lsfIdle(page);
      await page.getByText('great staff, great food').waitFor();
      expect(await choice(page, predicted).locator('input').isChecked()).toBe(true);
      expect(await page.getByText(/Model \(/).first().isVisible()).toBe(true);
      expect(problems.list).toEqual([]);
    } finally {
      await s.api('DELETE', '/api/models', { name: 'nb' });
      await backend.close();
    }
  });

  it('labels, skips, runs out of data, updates and deletes in explore mode (the §6 scenario)', async () => {
    const imported = await s.api('POST', '/api/project/import', [
      { data: { text: 'I love it' }, predictions: [sentimentPrediction('Neutral')] },
      { data: { text: 'Awful service' } },
    ]);
    expect(imported.status).toBe(201);

    // 1. The first task, its prediction copied into the new completion: Neutral pre-checked.
    await page.goto(`${s.base}/`);
    await lsfIdle(page);
    await page.getByText('I love it').waitFor();
    expect(await choice(page, 'Neutral').locator('input').isChecked()).toBe(true);
    expect(await page.getByText('Model (mock-model)').isVisible()).toBe(true);
    const annotator = (await page.locator('#annotator-name').textContent())!.trim();
    expect(annotator).toMatch(/^annotator-[0-9a-f]{6}$/);

    // 2. Another choice, Submit: the POST carries it, and the second task comes.
    await choice(page, 'Positive').click();
    expect(await choice(page, 'Neutral').locator('input').isChecked()).toBe(false);
    const [submitted] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && /^\/api\/tasks\/0\/completions\/?$/.test(pathOf(r))),
      page.click('.ls-submit-btn'),
    ]);
    const sent = submitted.postDataJSON() as { lead_time: number; result: { value: { choices: string[] } }[] };
    expect(sent.result[0]!.value.choices).toEqual(['Positive']);
    expect(sent.lead_time).toBeGreaterThan(0);
    await page.getByText('Awful service').waitFor();
    await expect.poll(() => page.locator('#progress-done').textContent()).toBe('1');
    const task0 = await s.api<StoredTaskView>('GET', '/api/tasks/0');
    expect(task0.body.completions).toEqual([expect.objectContaining({ id: 1, completed_by: annotator, result: [expect.objectContaining({ value: { choices: ['Positive'] } })] })]);

    // 3. Skip: stored as a cancelled completion; then nothing is left.
    await lsfIdle(page);
    const [skipped] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && /^\/api\/tasks\/1\/completions\/?$/.test(pathOf(r)) && new URL(r.url()).searchParams.get('was_cancelled') === '1'),
      page.click('.ls-skip-btn'),
    ]);
    expect(skipped.postDataJSON()).not.toHaveProperty('id');
    await page.getByText(NO_MORE_DATA).waitFor();
    const task1 = await s.api<StoredTaskView>('GET', '/api/tasks/1');
    expect(task1.body.completions).toEqual([expect.objectContaining({ id: 1001, was_cancelled: true, completed_by: annotator })]);

    // 4. Explore mode: the saved completion with an Update button; Update sends a PATCH.
    await page.goto(`${s.base}/?task_id=0`);
    await lsfIdle(page);
    await page.locator('.ls-update-btn').waitFor();
    expect(await choice(page, 'Positive').locator('input').isChecked()).toBe(true);
    await choice(page, 'Negative').click();
    const [patched] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'PATCH' && /^\/api\/tasks\/0\/completions\/1\/?$/.test(pathOf(r))),
      page.click('.ls-update-btn'),
    ]);
    expect((patched.postDataJSON() as { result: { value: { choices: string[] } }[] }).result[0]!.value.choices).toEqual(['Negative']);
    expect((await patched.response())?.status()).toBe(201);
    expect((await s.api<StoredTaskView>('GET', '/api/tasks/0')).body.completions?.[0]?.result[0]?.value.choices).toEqual(['Negative']);
    // The maker stays the maker.
    expect((await s.api<StoredTaskView>('GET', '/api/tasks/0')).body.completions?.[0]?.completed_by).toBe(annotator);

    // 5. Delete through the confirmation: the DELETE arrives and the completion is gone.
    await lsfIdle(page);
    await page.click('button.ant-btn-dangerous');
    const [deleted] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'DELETE' && /^\/api\/tasks\/0\/completions\/1\/?$/.test(pathOf(r))),
      page.locator('.ant-popover').getByRole('button', { name: 'Delete' }).click(),
    ]);
    expect((await deleted.response())?.status()).toBe(204);
    expect((await s.api<StoredTaskView>('GET', '/api/tasks/0')).body.completions).toEqual([]);
    // Not left on "No more completions": a fresh completion to label.
    await page.locator('.ls-submit-btn').waitFor();

    expect(problems.list).toEqual([]);
  }, 60_000);

  it('labels a named project when opened with ?project=<name>: its tasks, its counts, its links', async () => {
    expect((await s.api('POST', '/api/projects', { name: 'cats', title: 'Cats' })).status).toBe(201);
    expect((await s.api('POST', '/api/project/import?project=cats', [{ text: 'a cat task' }])).status).toBe(201);
    expect((await s.api('POST', '/api/project/import', [{ text: 'a default task' }])).status).toBe(201);

    await page.goto(`${s.base}/?project=cats`);
    await lsfIdle(page);
    await page.getByText('a cat task').waitFor();
    expect(await page.locator('header .project b').textContent()).toBe('cats');
    expect(await page.locator('header nav a', { hasText: 'Tasks' }).getAttribute('href')).toBe('/tasks?project=cats');
    await choice(page, 'Negative').click();
    const [submitted] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && /^\/api\/tasks\/0\/completions\/?$/.test(pathOf(r))),
      page.click('.ls-submit-btn'),
    ]);
    expect(new URL(submitted.url()).searchParams.get('project')).toBe('cats');
    await page.getByText(NO_MORE_DATA).waitFor();
    await expect.poll(() => page.locator('#progress-done').textContent()).toBe('1');
    const cat = await s.api<StoredTaskView>('GET', '/api/tasks/0?project=cats');
    expect(cat.body.completions?.[0]?.result[0]?.value.choices).toEqual(['Negative']);
    expect((await s.api<StoredTaskView>('GET', '/api/tasks/0')).body.completions ?? []).toEqual([]);
    expect(problems.list).toEqual([]);
  }, 60_000);

  it('gives each browser its own annotator: two browsers get two tasks, and a new name takes effect', async () => {
    await s.api('POST', '/api/project/import', [{ text: 'one' }, { text: 'two' }, { text: 'three' }]);
    const other = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page2 = await other.newPage();
      const problems2 = watchPage(page2, [NEXT_404]);
      await page.goto(`${s.base}/`);
      await lsfIdle(page);
      await page2.goto(`${s.base}/`);
      await lsfIdle(page2);
      const first = (await page.locator('#annotator-name').textContent())!.trim();
      const second = (await page2.locator('#annotator-name').textContent())!.trim();
      expect(first).not.toBe(second);
      expect((await context.cookies()).find((c) => c.name === 'annotator')?.value).toBe(first);
      // Reservations: each browser holds its own task.
      await page.getByText('one', { exact: true }).waitFor();
      await page2.getByText('two', { exact: true }).waitFor();

      // The header changes the name; the page reloads as carol, who gets the free task.
      await page2.click('#annotator-change');
      await page2.fill('#annotator-input', 'carol');
      await Promise.all([page2.waitForEvent('load'), page2.click('#annotator-form button[type="submit"]')]);
      await lsfIdle(page2);
      expect((await page2.locator('#annotator-name').textContent())!.trim()).toBe('carol');
      await page2.getByText('three', { exact: true }).waitFor();
      await choice(page2, 'Negative').click();
      await Promise.all([page2.waitForResponse((r) => r.request().method() === 'POST' && r.status() === 201), page2.click('.ls-submit-btn')]);
      const task2 = await s.api<StoredTaskView>('GET', '/api/tasks/2');
      expect(task2.body.completions?.[0]?.completed_by).toBe('carol');
      expect(problems2.list).toEqual([]);
    } finally {
      await other.close();
    }
    expect(problems.list).toEqual([]);
  }, 60_000);

  it('shows an error of the API to the annotator', async () => {
    await s.api('POST', '/api/project/import', [{ text: 'kept' }]);
    const made = await s.api<{ id: number }>('POST', '/api/tasks/0/completions', { result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Positive'] } }] });
    expect(made.status).toBe(201);
    expect((await s.api('PATCH', '/api/project', { allow_delete_completions: false })).status).toBe(201);
    problems.expect({ status: 422, path: /^\/api\/tasks\/0\/completions\/1\/?$/ });

    await page.goto(`${s.base}/?task_id=0`);
    await lsfIdle(page);
    await page.click('button.ant-btn-dangerous');
    await page.locator('.ant-popover').getByRole('button', { name: 'Delete' }).click();
    await page.locator('.ant-modal').getByText('Completion removing is not allowed in server config').waitFor();
    expect((await s.api<StoredTaskView>('GET', '/api/tasks/0')).body.completions).toHaveLength(1);

    // A submit the server refuses: the task was deleted while it was on screen.
    await s.api('POST', '/api/project/import', [{ text: 'deleted meanwhile' }]);
    problems.expect({ status: 404, path: /^\/api\/tasks\/1\/completions\/?$/ });
    await page.goto(`${s.base}/`);
    await lsfIdle(page);
    await page.getByText('deleted meanwhile').waitFor();
    expect((await s.api('DELETE', '/api/tasks/1')).status).toBe(204);
    await choice(page, 'Positive').click();
    await page.click('.ls-submit-btn');
    await page.locator('.ant-modal').getByText('Task 1 not found').waitFor();
    expect(problems.list).toEqual([]);
  }, 60_000);

  it('embeds a config and an instruction holding </script> safely', async () => {
    const hostile = '</script><script>window.__pwned = 1</script><!-- \u2028 \u2029 ` ${x}';
    const config = `<View>
  <!-- ${hostile} -->
  <Header value="A &lt;/script&gt; header"/>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single"><Choice value="Positive"/><Choice value="Negative"/></Choices>
</View>`;
    expect((await s.api('POST', '/api/project/config', config)).status).toBe(201);
    expect((await s.api('PATCH', '/api/project', { instruction: `<b>Read me</b> ${hostile}` })).status).toBe(201);
    await s.api('POST', '/api/project/import', [{ text: 'safe' }]);

    await page.goto(`${s.base}/`);
    await lsfIdle(page);
    await page.getByText('A </script> header').waitFor();
    await page.getByRole('button', { name: 'Instructions' }).click();
    await page.getByText('Read me').waitFor();
    await page.goto(`${s.base}/setup`);
    await expect.poll(() => page.locator('#config').inputValue()).toBe(config);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(problems.list).toEqual([]);
  }, 60_000);
});

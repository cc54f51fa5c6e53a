// The project pages in headless Chromium against a real server on 127.0.0.1: tasks
// (paging, opening a task, deleting one and all through the confirmation), setup (the
// server's message for an invalid config, a template, a save), import (a CSV upload with
// its progress, pasted JSON, per-task errors), export (a download arrives) and stats (the
// numbers and charts of two annotators, three labels and skips). Every test fails on any
// page error or console error but the answers it expects.
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, lsfIdle, screenshotOnFailure, watchPage, type PageProblems } from '../helpers/browser.ts';
import { resetProject, startPageServer, type PageServer, type StoredTaskView } from './support.ts';

let browser: Browser;
let context: BrowserContext;
let s: PageServer;
let page: Page;
let problems: PageProblems;

beforeAll(async () => {
  [browser, s] = await Promise.all([launchBrowser(), startPageServer()]);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
});
afterAll(async () => {
  await browser?.close();
  await s?.stop();
});
beforeEach(async () => {
  await Promise.all([resetProject(s), context.clearCookies()]);
  page = await context.newPage();
  problems = watchPage(page);
});
afterEach(async (test) => {
  if (test.task.result?.state === 'fail') await screenshotOnFailure(page, test.task.name);
  await page?.close();
});

const result = (choice: string, fromName = 'sentiment') => [{ from_name: fromName, to_name: 'text', type: 'choices', value: { choices: [choice] } }];

async function complete(taskId: number, choice: string, annotator?: string, skip = false): Promise<void> {
  const query = new URLSearchParams({ ...(annotator && { annotator }), ...(skip && { was_cancelled: '1' }) });
  const res = await s.api('POST', `/api/tasks/${taskId}/completions?${query}`, { result: skip ? [] : result(choice) });
  expect(res.status).toBe(201);
}

async function taskIds(): Promise<number[]> {
  return (await s.api<{ id: number }[]>('GET', '/api/tasks?page_size=1000')).body.map((t) => t.id);
}

const rows = () => page.locator('#tasks tbody tr');

describe('the tasks page', () => {
  it('lists tasks a page at a time, opens one in explore mode, deletes one and all after confirming', async () => {
    await s.api('POST', '/api/project/import', Array.from({ length: 12 }, (_, i) => ({ text: `task number ${i}` })));
    await complete(0, 'Positive', 'alice');
    await complete(1, '', 'bob', true);

    await page.goto(`${s.base}/tasks`);
    await page.locator('#page-size').selectOption('10');
    await expect.poll(() => page.locator('#page-info').textContent()).toBe('Page 1 of 2 (12 tasks)');
    expect(await rows().count()).toBe(10);
    const first = await rows().nth(0).locator('td').allTextContents();
    expect(first.slice(0, 5)).toEqual(['0', 'task number 0', expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/), '1', '0']);
    expect((await rows().nth(1).locator('td').allTextContents()).slice(3, 5)).toEqual(['1', '1']);
    expect(await page.locator('#progress-done').textContent()).toBe('2');
    expect(await page.locator('#progress-total').textContent()).toBe('12');
    await page.click('#next');
    await expect.poll(() => page.locator('#page-info').textContent()).toBe('Page 2 of 2 (12 tasks)');
    expect(await rows().count()).toBe(2);
    expect(await rows().nth(0).locator('td').first().textContent()).toBe('10');

    // A click on a row opens the task in the labeling page's explore mode.
    await Promise.all([page.waitForURL(`${s.base}/?task_id=11`), rows().nth(1).click()]);
    await lsfIdle(page);
    await page.getByText('task number 11').waitFor();

    // Deleting asks first: dismissed, nothing happens; accepted, the task goes.
    await page.goto(`${s.base}/tasks`);
    await expect.poll(() => rows().count()).toBe(12);
    page.once('dialog', (d) => void d.dismiss());
    await page.locator('tr[data-id="3"] button').click();
    await expect.poll(() => taskIds()).toContain(3);
    page.once('dialog', (d) => {
      expect(d.message()).toBe('Delete task 3 and its completions?');
      void d.accept();
    });
    await page.locator('tr[data-id="3"] button').click();
    await expect.poll(() => page.locator('#message').textContent()).toBe('Task 3 deleted.');
    expect(await taskIds()).not.toContain(3);
    await expect.poll(() => rows().count()).toBe(11);
    await expect.poll(() => page.locator('#progress-total').textContent()).toBe('11');

    page.once('dialog', (d) => void d.accept());
    await page.click('#delete-all');
    await page.locator('#no-tasks').waitFor();
    expect(await rows().count()).toBe(0);
    expect(await taskIds()).toEqual([]);
    await expect.poll(() => page.locator('#progress-total').textContent()).toBe('0');
    expect(problems.list).toEqual([]);
  }, 60_000);
});

describe('the setup page', () => {
  it("shows the server's message for an invalid config, offers the 54 templates, and saves a valid one", async () => {
    await s.api('POST', '/api/project/import', [{ text: 'a text' }]);
    problems.expect({ status: 400, path: /^\/api\/validate-config\/?$/ }, { status: 400, path: /^\/api\/project\/config\/?$/ });
    await page.goto(`${s.base}/setup`);
    await expect.poll(() => page.locator('#validation').textContent()).toBe('The config is valid.');
    expect(await page.locator('#config').inputValue()).toContain('<Choices name="sentiment"');
    expect(await page.locator('#template option[value]:not([value=""])').count()).toBe(54);

    // Typed: checked by the server as it is typed, its message shown as it is.
    await page.fill('#config', '<View><Txt name="t" value="$text"/></View>');
    await expect.poll(() => page.locator('#validation').textContent()).toMatch(/<Txt>.*did you mean <Text>\?/);
    await page.click('#save');
    await expect.poll(() => page.locator('#save-status').textContent()).toBe('Not saved.');
    expect((await s.api<{ label_config_line: string }>('GET', '/api/project')).body.label_config_line).toContain('sentiment');

    // A template, over the unsaved edit once that is confirmed: named entity recognition
    // reads $text, as the task has.
    page.once('dialog', (d) => {
      expect(d.message()).toBe('Replace the config you are editing with the template "Named entity recognition"?');
      void d.accept();
    });
    await page.locator('#template').selectOption('text_named_entity');
    expect(await page.locator('#config').inputValue()).toContain('<Labels name="label" toName="text">');
    await expect.poll(() => page.locator('#validation').textContent()).toBe('The config is valid.');
    await page.click('#save');
    await expect.poll(() => page.locator('#save-status').textContent()).toBe('Saved.');
    expect((await s.api<{ label_config_line: string }>('GET', '/api/project')).body.label_config_line).toContain('<Labels name="label" toName="text">');
    expect(problems.list).toEqual([]);
  }, 60_000);
});

describe('the import page', () => {
  it('uploads a CSV with a progress bar; the tasks appear', async () => {
    await page.goto(`${s.base}/import`);
    // Every state the upload line goes through, in order.
    await page.evaluate(() => {
      const seen: string[] = ((window as unknown as { statusSeen: string[] }).statusSeen = []);
      const status = document.getElementById('upload-status')!;
      new MutationObserver(() => {
        const text = status.textContent ?? '';
        if (seen.at(-1) !== text) seen.push(text);
      }).observe(status, { childList: true, characterData: true, subtree: true });
    });
    // About 1 MB, so that the browser reports bytes sent before the server answers.
    const lines = ['text,source'];
    for (let i = 0; i < 10_000; i++) lines.push(`review number ${i} with some words to make the file longer than it needs to be,site ${i % 7}`);
    await page.setInputFiles('#files', { name: 'reviews.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n') + '\n') });
    await expect.poll(() => page.locator('#file-list').textContent()).toMatch(/^reviews\.csv \(\d+\.\d KB\)$/);
    await page.click('#import');
    await expect.poll(() => page.locator('#upload-status').textContent(), { timeout: 30_000 }).toBe('Done.');
    expect(await page.locator('#result').textContent()).toMatch(/^10000 tasks imported in [\d.]+ s\. See the tasks or start labeling\.$/);
    const seen = await page.evaluate(() => (window as unknown as { statusSeen: string[] }).statusSeen);
    expect(seen[0]).toBe('Sending…');
    expect(seen.some((t) => /^Sent [\d.]+ (KB|MB) of [\d.]+ (KB|MB)$/.test(t))).toBe(true);
    expect(seen.slice(-2)).toEqual(['Importing…', 'Done.']);
    expect(await page.locator('#progress-total').textContent()).toBe("10000");

    await page.click('text=See the tasks');
    await expect.poll(() => rows().count()).toBe(30);
    expect(await rows().nth(0).locator('td.preview').textContent()).toBe('{"text":"review number 0 with some words to make the file longer than it needs to be","source":"site 0"}');
    expect(problems.list).toEqual([]);
  }, 60_000);

  it('imports pasted JSON, and shows the errors of a refused import per task', async () => {
    problems.expect({ status: 400, path: /^\/api\/project\/import\/?$/ });
    await page.goto(`${s.base}/import`);
    await page.fill('#json', '[{"text": "pasted one"}, {"text": "pasted two"}]');
    await page.click('#import');
    await expect.poll(() => page.locator('#result').textContent()).toMatch(/^2 tasks imported/);
    expect(await taskIds()).toEqual([0, 1]);

    await page.fill('#json', '[{"text": "fine"}, {"title": "no text key"}]');
    await page.click('#import');
    await expect.poll(() => page.locator('#result').textContent()).toMatch(/^Nothing was imported: /);
    const errors = await page.locator('#errors li').allTextContents();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/item 1.*"text" key is expected/);
    expect(await taskIds()).toEqual([0, 1]);
    expect(problems.list).toEqual([]);
  }, 60_000);
});

describe('the export page', () => {
  it('lists the formats of the config and downloads the chosen one', async () => {
    await s.api('POST', '/api/project/import', [{ text: 'export me' }]);
    await complete(0, 'Negative', 'alice');
    await page.goto(`${s.base}/export`);
    await page.locator('input[name="format"][value="CSV"]').check();
    const names = await page.locator('input[name="format"]').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    expect(names).toEqual(['JSON', 'JSON_MIN', 'CSV', 'TSV']);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv).toMatch(/export me.*Negative/);

    await page.locator('input[name="format"][value="JSON"]').check();
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(json.suggestedFilename()).toMatch(/\.json$/);
    const exported = JSON.parse(await readFile((await json.path())!, 'utf8')) as StoredTaskView[];
    expect(exported[0]!.completions![0]!.completed_by).toBe('alice');
    expect(problems.list).toEqual([]);
  }, 60_000);
});

describe('the stats page', () => {
  it('shows labeled / skipped / total, completions per label and per annotator per day', async () => {
    // Two annotators, three labels used, two skips, and one completion from before
    // completed_by was recorded (imported without it: "unknown").
    await s.api('POST', '/api/project/import', [
      ...Array.from({ length: 7 }, (_, i) => ({ text: `t${i}` })),
      { data: { text: 'old' }, completions: [{ result: result('Neutral') }] },
    ]);
    await complete(0, 'Positive', 'alice');
    await complete(1, 'Positive', 'alice');
    await complete(2, 'Negative', 'alice');
    await complete(3, '', 'alice', true);
    await complete(1, 'Neutral', 'bob');
    await complete(4, 'Neutral', 'bob');
    await complete(5, '', 'bob', true);

    await page.goto(`${s.base}/stats`);
    await page.locator('body[data-loaded="true"]').waitFor();
    const figure = (id: string) => page.locator(`#${id} b`).textContent();
    expect(await figure('stat-labeled')).toBe('5'); // tasks 0, 1, 2, 4 and 7
    expect(await figure('stat-skipped')).toBe('2'); // tasks 3 and 5
    expect(await figure('stat-remaining')).toBe('1'); // task 6
    expect(await figure('stat-total')).toBe('8');
    expect(await figure('stat-completions')).toBe('6');
    expect(await figure('stat-skips')).toBe('2');

    const bars = await page.locator('#labels-chart g.bar').evaluateAll((gs) => gs.map((g) => [g.getAttribute('data-label'), g.getAttribute('data-count')]));
    expect(bars).toEqual([
      ['Positive', '2'],
      ['Negative', '1'],
      ['Neutral', '3'],
    ]);
    const today = new Date().toISOString().slice(0, 10);
    const stacks = await page.locator('#days-chart rect').evaluateAll((rs) => rs.map((r) => [r.getAttribute('data-annotator'), r.getAttribute('data-kind'), r.getAttribute('data-count')]));
    expect(stacks).toEqual([
      ['alice', 'labeled', '3'],
      ['alice', 'skipped', '1'],
      ['bob', 'labeled', '2'],
      ['bob', 'skipped', '1'],
      ['', 'labeled', '1'],
    ]);
    const dayRows = await page.locator('#days tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(dayRows).toEqual([
      [today, 'alice', '3', '1'],
      [today, 'bob', '2', '1'],
      [today, 'unknown', '1', '0'],
    ]);
    const people = await page.locator('#annotators tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(people).toEqual([
      ['alice', '3', '1'],
      ['bob', '2', '1'],
      ['unknown', '1', '0'],
    ]);
    expect(problems.list).toEqual([]);
  }, 60_000);
});

// npm run screenshots: pictures of the pages with sample data, for people to look at.
//
// Writes a sample project in Label Studio 0.8's folder layout (a sentiment config, 40
// product reviews, some with a model's prediction, completions by three annotators over
// five days, skips among them), starts the server on it (127.0.0.1, a free port), opens
// the pages in Debian's chromium and writes screenshots/<page>.png (git-ignored):
// labeling (the next task, its prediction pre-filled), tasks, stats, setup, import, export.
//   npm run screenshots [-- <folder>]
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultSettings, DEFAULT_LABEL_CONFIG } from '../src/storage/defaults.ts';
import { launchBrowser, lsfIdle, watchPage } from '../test/helpers/browser.ts';
import { startServer, waitForExit } from '../test/helpers/server.ts';

const out = resolve(process.argv[2] ?? 'screenshots');

const REVIEWS = [
  'Arrived a day early and works exactly as described.',
  'The battery died after two weeks. Not buying again.',
  'It is fine. Does the job, nothing special.',
  'Best purchase I made this year, the whole family uses it.',
  'Customer service never answered my emails.',
  'Smaller than I expected from the photos.',
  'Great value for the price, would recommend to a friend.',
  'The instructions were missing and the app kept crashing.',
  'Solid build, quiet, and the colour is lovely.',
  'Returned it: the left speaker crackles at any volume.',
];
const CHOICES = ['Positive', 'Negative', 'Neutral'];
const ANNOTATORS = ['alice', 'bob', 'chen'];
const DAY = 24 * 3600;

function choiceResult(choice: string): Record<string, unknown>[] {
  return [{ id: `r${choice}`, from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [choice] } }];
}

/** A project folder as Label Studio 0.8 writes it, with completed_by on our completions. */
async function writeSampleProject(dir: string): Promise<void> {
  await mkdir(join(dir, 'completions'), { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ...defaultSettings(), instruction: 'Is the review <b>positive</b>, <b>negative</b> or <b>neutral</b>?' }, null, 2));
  await writeFile(join(dir, 'config.xml'), DEFAULT_LABEL_CONFIG);
  const now = Math.floor(Date.now() / 1000);
  const tasks: Record<string, unknown> = {};
  for (let id = 0; id < 40; id++) {
    const text = `${REVIEWS[id % REVIEWS.length]} (order #${1000 + id})`;
    const task: Record<string, unknown> = { id, data: { text } };
    // The model's guess on the even tasks, as an ML backend or an import gives it.
    if (id % 2 === 0) task.predictions = [{ model_version: 'sentiment-v2', score: 0.82, result: choiceResult(CHOICES[id % 3]!) }];
    tasks[String(id)] = task;
    // The first 26 tasks are done: one or two completions each, over the last five days.
    if (id >= 26) continue;
    const completions = [];
    const count = id % 5 === 0 ? 2 : 1;
    for (let n = 0; n < count; n++) {
      const who = ANNOTATORS[(id + n) % ANNOTATORS.length]!;
      const skipped = id % 7 === 3 && n === 0;
      completions.push({
        id: id * 1000 + n + 1,
        created_at: now - (4 - (id % 5)) * DAY - 600 * n,
        lead_time: 4 + (id % 9),
        completed_by: who,
        result: skipped ? [] : choiceResult(CHOICES[(id + n) % 3]!),
        ...(skipped && { was_cancelled: true }),
      });
    }
    await writeFile(join(dir, 'completions', `${id}.json`), JSON.stringify({ id, data: task.data, completions }, null, 2));
  }
  await writeFile(join(dir, 'tasks.json'), JSON.stringify(tasks, null, 2));
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'ls-screenshots-'));
  await writeSampleProject(join(root, 'default'));
  const [server, browser] = await Promise.all([startServer({ PROJECTS_DIR: root }), launchBrowser()]);
  try {
    await mkdir(out, { recursive: true });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    await context.addCookies([{ name: 'annotator', value: 'alice', url: server.base }]);
    const page = await context.newPage();
    const problems = watchPage(page);
    const shoot = async (path: string, name: string, ready: () => Promise<unknown>) => {
      await page.goto(server.base + path);
      await ready();
      const file = join(out, `${name}.png`);
      await page.screenshot({ path: file, fullPage: name !== 'labeling' });
      console.log(`wrote ${file}`);
    };
    await shoot('/', 'labeling', async () => {
      await lsfIdle(page);
      await page.getByText('Model (sentiment-v2)').waitFor();
    });
    await shoot('/tasks', 'tasks', () => page.locator('#tasks tbody tr').first().waitFor());
    await shoot('/stats', 'stats', () => page.locator('body[data-loaded="true"]').waitFor());
    await shoot('/setup', 'setup', () => page.getByText('The config is valid.').waitFor());
    await shoot('/import', 'import', () => page.locator('#drop').waitFor());
    await shoot('/export', 'export', () => page.locator('input[name="format"]').first().waitFor());
    if (problems.list.length) throw new Error(`the pages had errors:\n${problems.list.join('\n')}`);
  } finally {
    await browser.close();
    server.proc.kill('SIGTERM');
    await waitForExit(server.proc);
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

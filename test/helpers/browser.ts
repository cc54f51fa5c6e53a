// Headless Chromium for the page tests: Debian's /usr/bin/chromium driven by
// playwright-core (which downloads no browser of its own). The flags keep Chromium off the
// network: without the background-networking ones it keeps trying Google's hosts, which
// this closed network refuses. playwright gives every launch a new empty profile.
//
// watchPage collects what a page must not have: uncaught exceptions, and console errors
// (failed requests among them) other than the answers a test expects, such as the 404 of
// /api/project/next that means "no more tasks".
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** An answer a page may get without it being an error: its status and path. */
export interface ExpectedFailure {
  status: number;
  path: RegExp;
}

export interface PageProblems {
  /** Uncaught exceptions and console errors, each a line. */
  list: string[];
  /** Lets the failures of a step through (an invalid config's 400, say). */
  expect(...failures: ExpectedFailure[]): void;
}

export function watchPage(page: Page, expected: ExpectedFailure[] = []): PageProblems {
  const allowed = [...expected];
  const problems: PageProblems = {
    list: [],
    expect: (...failures) => void allowed.push(...failures),
  };
  page.on('pageerror', (err) => problems.list.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const status = /status of (\d{3})/.exec(text);
    if (status) {
      const path = new URL(msg.location().url || 'about:blank', 'http://x').pathname;
      if (allowed.some((a) => a.status === Number(status[1]) && a.path.test(path))) return;
      return void problems.list.push(`console: ${text} (${msg.location().url})`);
    }
    problems.list.push(`console: ${text}`);
  });
  return problems;
}

/** Saves a screenshot of a failed test's page (its path is printed) and returns the path. */
export async function screenshotOnFailure(page: Page | undefined, name: string): Promise<string | undefined> {
  if (!page || page.isClosed()) return undefined;
  const dir = join(tmpdir(), 'labelstream-browser-failures');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}-${Date.now()}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
  console.error(`screenshot of the failed page: ${file}`);
  return file;
}

/** Waits until LSF is neither loading nor submitting: a click sooner is ignored (labeling-ui.md §5.4). */
export async function lsfIdle(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const htx = (window as unknown as { Htx?: { isLoading: boolean; isSubmitting: boolean } }).Htx;
    return htx !== undefined && !htx.isLoading && !htx.isSubmitting;
  });
}

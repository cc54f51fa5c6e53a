// The README's quick start pastes as it is: its shell block is run with bash and curl
// against a real server (only the port differs), every curl must succeed (2xx), and the
// files it writes hold what the README says they do.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { unzip } from '../exporters/golden.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, waitForExit, type RunningServer } from '../helpers/server.ts';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

async function quickStart(): Promise<string> {
  const text = await readFile(README, 'utf8');
  const section = text.slice(text.indexOf('## Quick start'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README has no ```sh block under "## Quick start"');
  return block[1]!;
}

describe('README quick start', () => {
  let root: string;
  let work: string;
  let server: RunningServer;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ls-readme-'));
    work = await mkdtemp(join(tmpdir(), 'ls-readme-work-'));
    // No network here: the COCO export's image fetch fails at once and keeps the URL.
    server = await startServer({ PROJECTS_DIR: root, EXPORT_FETCH_TIMEOUT_MS: '2000' });
  });
  afterAll(async () => {
    server.proc.kill('SIGTERM');
    await waitForExit(server.proc);
    await rm(root, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('pastes as it is: every command succeeds and the exports hold the labels', async () => {
    const port = new URL(server.base).port;
    const script = (await quickStart()).replaceAll('localhost:8080', `localhost:${port}`);
    expect(script).toContain(`localhost:${port}/api/project/export?format=COCO`);
    // Any 4xx/5xx makes curl (and with -e the script) fail, with the answer shown.
    const prelude = 'set -e\ncurl() { command curl -sS --fail-with-body "$@"; }\n';
    const run = await promisify(execFile)('bash', ['-c', prelude + script], { cwd: work, timeout: 60_000 }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`quick start failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
    });
    expect(run.stdout).toContain('"text":"I love it"');

    const labels = JSON.parse(await readFile(join(work, 'labels.json'), 'utf8')) as { id: number; data: { text: string }; completions: { was_cancelled?: boolean; result: { value: { choices: string[] } }[] }[] }[];
    expect(labels.map((t) => t.id)).toEqual([0, 1]);
    expect(labels[0]!.completions[0]!.result[0]!.value.choices).toEqual(['Positive']);
    expect(labels[1]!.completions[0]!.was_cancelled).toBe(true);
    const csv = (await readFile(join(work, 'labels.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toMatch(/sentiment/);
    expect(csv.slice(1).join('\n')).toMatch(/I love it.*Positive/);

    const coco = (await unzip(await readFile(join(work, 'coco.zip')))).files;
    const result = JSON.parse(coco.get('result.json')!.toString()) as { categories: { name: string }[]; annotations: { bbox: number[] }[] };
    expect(result.categories.map((c) => c.name)).toEqual(['Cat']); // the labels used, as the reference converter does
    expect(result.annotations).toHaveLength(1);
    expect(result.annotations[0]!.bbox).toEqual([240, 120, 600, 720]);
  }, 90_000);
});

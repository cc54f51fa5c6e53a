// `npm start` runs the compiled server (dist/server.js) as the process npm starts, with no
// shell or wrapper in between, so `npm start & kill $!` and Ctrl-C stop the server cleanly:
// requests finished, checkpoint written, lock released, port freed, no process left.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForExit } from '../helpers/server.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
let root: string;

// The test is about the built entry: build it from the current source first (npm ci does
// the same through the prepare script).
beforeAll(() => {
  execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'ignore' });
}, 180_000);
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ls-npm-start-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

interface NpmStart {
  npm: ChildProcess;
  base: string;
  /** The server's pid, as written in the project's .lock. */
  serverPid: number;
  output: () => string;
}

async function npmStart(options: { detached?: boolean } = {}): Promise<NpmStart> {
  const npm = spawn('npm', ['start'], {
    cwd: repo,
    env: { ...process.env, PROJECTS_DIR: root, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let out = '';
  npm.stdout!.on('data', (d) => (out += d));
  npm.stderr!.on('data', (d) => (out += d));
  for (let i = 0; i < 400; i++) {
    if (npm.exitCode !== null) throw new Error(`npm start exited with ${npm.exitCode}: ${out}`);
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
    if (m) {
      const serverPid = Number(await readFile(join(root, 'default', '.lock'), 'utf8'));
      return { npm, base: m[1]!, serverPid, output: () => out };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  npm.kill('SIGKILL');
  throw new Error(`npm start did not start: ${out}`);
}

function parentOf(pid: number): number {
  return Number(execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' }).trim());
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function portIsFree(port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Imports n tasks, so that the stop has a checkpoint to write. */
async function importTasks(base: string, n: number): Promise<void> {
  const body = JSON.stringify(Array.from({ length: n }, (_, i) => ({ text: `t${i}` })));
  const res = await fetch(`${base}/api/project/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(res.status).toBe(201);
}

async function expectStoppedCleanly(s: NpmStart, tasks: number): Promise<void> {
  const dir = join(root, 'default');
  expect(await readdir(dir)).not.toContain('.lock');
  expect(Object.keys(JSON.parse(await readFile(join(dir, 'tasks.json'), 'utf8')))).toHaveLength(tasks);
  expect(await readFile(join(dir, 'journal.jsonl'), 'utf8')).toBe(''); // all checkpointed
  expect(running(s.serverPid)).toBe(false);
  expect(await portIsFree(Number(new URL(s.base).port))).toBe(true);
  expect(s.output()).toContain('stopped cleanly');
}

describe('npm start', () => {
  it('SIGTERM to the pid npm start has (what `npm start & kill $!` does) stops the server cleanly', async () => {
    const s = await npmStart();
    // The server is npm's own child: `exec` replaced the shell npm runs scripts through,
    // so npm relays the signal straight to it (a shell would die and orphan the server).
    expect(parentOf(s.serverPid)).toBe(s.npm.pid);
    await importTasks(s.base, 300);
    s.npm.kill('SIGTERM');
    expect(await waitForExit(s.npm)).toBe(0);
    await expectStoppedCleanly(s, 300);
  }, 60_000);

  it('Ctrl-C (SIGINT to the whole process group, which npm relays again) stops it cleanly, not at once', async () => {
    const s = await npmStart({ detached: true }); // its own process group, as in a terminal
    await importTasks(s.base, 200);
    process.kill(-s.npm.pid!, 'SIGINT');
    expect(await waitForExit(s.npm)).toBe(0);
    await expectStoppedCleanly(s, 200);
  }, 60_000);
});

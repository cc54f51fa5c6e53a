// The command line (src/cli.ts) run for real: `labelstream init` makes projects from a
// config and a JSON file, a text file or a folder of images, `start` serves them over
// HTTP, options beat the environment, `version` prints JSON, a wrong command line exits 2,
// and `start-multi-session` gives each browser its own project.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, waitForExit } from '../helpers/server.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(repo, 'src/cli.ts');
/** tsx's loader by its path: the commands run in a scratch folder, where 'tsx' would not resolve. */
const TSX = pathToFileURL(join(repo, 'node_modules/tsx/dist/loader.mjs')).href;
const IMAGE = fileURLToPath(new URL('../fixtures/ls082-projects/image-multisession/upload/011727d935627522ac74a1614abc37a6-img.png', import.meta.url));

const TEXT_CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices>
</View>
`;
const IMAGE_CONFIG = '<View><Image name="image" value="$image"/><Choices name="kind" toName="image"><Choice value="Cat"/><Choice value="Dog"/></Choices></View>\n';

let work: string;
let running: ChildProcess[] = [];
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'ls-cli-'));
});
afterEach(async () => {
  for (const p of running) {
    p.kill('SIGTERM');
    await waitForExit(p);
  }
  running = [];
  await rm(work, { recursive: true, force: true });
});

/** The environment of a run: this one, without the settings a developer may have set. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const k of ['PORT', 'HOST', 'PROJECTS_DIR', 'PROJECT', 'AUTH_USERNAME', 'AUTH_PASSWORD', 'MULTI_SESSION', 'STORE_URL']) delete base[k];
  return { ...base, LOG_LEVEL: 'warn', ...env };
}

function spawnCli(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', TSX, CLI, ...args], { cwd: work, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a command to its end. */
function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d) => (stdout += d));
  proc.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** The built bin, as `npx labelstream` runs it (npm ci builds dist/). */
function runDist(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(repo, 'dist/cli.js'), ...args], { cwd: work, env: cleanEnv({}) }, (err, stdout) => (err ? reject(err) : resolve({ code: 0, stdout })));
  });
}

/** Starts a serving command; resolves once /api/health answers at `base` (or at the port it printed for --port 0). */
async function startCli(args: string[], env: Record<string, string> = {}, port?: number): Promise<{ base: string; output: () => string }> {
  const proc = spawnCli(args, env);
  running.push(proc);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`labelstream ${args.join(' ')} exited with ${proc.exitCode}: ${out}`);
    const base = port !== undefined ? `http://127.0.0.1:${port}` : /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    if (base && (await fetch(`${base}/api/health`).catch(() => undefined))?.ok) return { base, output: () => out };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`labelstream ${args.join(' ')} did not start: ${out}`);
}

async function tasksOf(base: string, headers: Record<string, string> = {}): Promise<{ id: number; data: Record<string, unknown> }[]> {
  const res = await fetch(`${base}/api/tasks?page_size=100`, { headers });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: number; data: Record<string, unknown> }[]).map(({ id, data }) => ({ id, data }));
}

describe('labelstream init, then start', () => {
  it('a config and a JSON file: start serves those tasks and that config (0.8\'s deprecated routes too)', async () => {
    await writeFile(join(work, 'config.xml'), TEXT_CONFIG);
    await writeFile(join(work, 'tasks.json'), JSON.stringify([{ text: 'I love it' }, { data: { text: 'Awful' }, predictions: [] }]));
    const init = await runCli(['init', 'reviews', '--label-config', 'config.xml', '--input-path', 'tasks.json', '--sampling', 'uniform']);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain(`Project "reviews" initialised in ${join(work, 'projects', 'reviews')} with 2 tasks.`);
    expect(await readFile(join(work, 'projects', 'reviews', 'config.xml'), 'utf8')).toBe(TEXT_CONFIG);

    const { base } = await startCli(['start', 'reviews', '--port', '0']);
    expect(await tasksOf(base)).toEqual([
      { id: 0, data: { text: 'I love it' } },
      { id: 1, data: { text: 'Awful' } },
    ]);
    const project = (await (await fetch(`${base}/api/project`)).json()) as { config: { sampling: string }; project_name: string };
    expect(project.config.sampling).toBe('uniform');
    expect(project.project_name).toBe('reviews');
    // Started from the command line: 0.8's deprecated routes are there (api.md §5.23).
    const ids = await fetch(`${base}/api/projects/1/completions_ids/`);
    expect(ids.status).toBe(200);
    expect(await ids.json()).toEqual([]);
  }, 60_000);

  it('a text file (one task a line) and a folder of images (stored as uploads named <md5>-<name>)', async () => {
    await writeFile(join(work, 'lines.txt'), 'first line\nsecond line\n');
    expect((await runCli(['init', 'lines', '--input-path', 'lines.txt', '--input-format', 'text'])).code).toBe(0);

    const png = await readFile(IMAGE);
    await mkdir(join(work, 'pics', 'sub'), { recursive: true });
    await writeFile(join(work, 'pics', 'cat.png'), png);
    await writeFile(join(work, 'pics', 'sub', 'dog.JPG'), 'a jpeg, as far as the extension says');
    await writeFile(join(work, 'pics', 'notes.txt'), 'not an image: left out');
    await writeFile(join(work, 'image.xml'), IMAGE_CONFIG);
    const init = await runCli(['init', 'pics', '-l', 'image.xml', '-i', 'pics', '--input-format', 'image-dir']);
    expect(init.stderr).toBe('');
    expect(init.stdout).toContain('with 2 tasks');
    // The user's files stay where they are.
    expect((await readdir(join(work, 'pics'))).sort()).toEqual(['cat.png', 'notes.txt', 'sub']);

    const lines = await startCli(['start', 'lines', '--port', '0']);
    expect(await tasksOf(lines.base)).toEqual([
      { id: 0, data: { text: 'first line' } },
      { id: 1, data: { text: 'second line' } },
    ]);
    const pics = await startCli(['start', 'pics', '--port', '0']);
    const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');
    const tasks = await tasksOf(pics.base);
    expect(tasks).toEqual([
      { id: 0, data: { image: `/data/upload/${md5(png)}-cat.png` } },
      { id: 1, data: { image: `/data/upload/${md5('a jpeg, as far as the extension says')}-dog.JPG` } },
    ]);
    const served = await fetch(`${pics.base}${tasks[0]!.data.image as string}`);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
  }, 60_000);

  it('init of an existing project is refused without --force (exit 1, nothing changed); --force starts it afresh', async () => {
    await writeFile(join(work, 'a.json'), JSON.stringify([{ text: 'a' }]));
    await writeFile(join(work, 'b.json'), JSON.stringify([{ text: 'b1' }, { text: 'b2' }]));
    expect((await runCli(['init', 'p', '-i', 'a.json'])).code).toBe(0);
    const again = await runCli(['init', 'p', '-i', 'b.json']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${join(work, 'projects', 'p')} project already exists. Use "--force" option to recreate it.`);
    expect(await readFile(join(work, 'projects', 'p', 'tasks.json'), 'utf8')).toContain('"a"');
    const forced = await runCli(['init', 'p', '-i', 'b.json', '--force']);
    expect(forced.code).toBe(0);
    const { base } = await startCli(['start', 'p', '--port', '0']);
    expect(await tasksOf(base)).toEqual([
      { id: 0, data: { text: 'b1' } },
      { id: 1, data: { text: 'b2' } },
    ]);
  }, 60_000);

  it('an import the config refuses fails the init (exit 1, the errors shown) and leaves no project behind', async () => {
    await writeFile(join(work, 'bad.json'), JSON.stringify([{ txt: 'no text key' }]));
    const r = await runCli(['init', 'bad', '-i', 'bad.json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Error at item 0: "text" key is expected/);
    expect(await readdir(join(work, 'projects'))).toEqual([]);
  }, 30_000);

  it('start of a project that does not exist says how to make it (exit 1); start --init makes it and serves', async () => {
    const missing = await runCli(['start', 'nope', '--port', '0']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No project "nope"');
    expect(missing.stderr).toContain('labelstream init nope, or add --init');
    await writeFile(join(work, 't.json'), JSON.stringify({ text: 'one task' }));
    const { base } = await startCli(['start', 'fresh', '--init', '-i', 't.json', '--port', '0']);
    expect(await tasksOf(base)).toEqual([{ id: 0, data: { text: 'one task' } }]);
  }, 60_000);

  it('a project given as a path is that folder (as 0.8\'s start ./dir)', async () => {
    const { base } = await startCli(['start', './here/proj', '--init', '--port', '0']);
    expect((await (await fetch(`${base}/api/project`)).json()) as object).toMatchObject({ project_name: 'proj' });
    expect(await readdir(join(work, 'here', 'proj'))).toContain('config.json');
  }, 30_000);
});

describe('labelstream start: options over the environment', () => {
  it('--port X --username u --password p: served on X, behind that password', async () => {
    expect((await runCli(['init', 'p'])).code).toBe(0);
    const port = await freePort();
    const { base } = await startCli(['start', 'p', '--port', String(port), '--username', 'u', '--password', 'secret'], {}, port);
    expect((await fetch(`${base}/api/tasks`)).status).toBe(401);
    const wrong = { Authorization: `Basic ${Buffer.from('u:nope').toString('base64')}` };
    expect((await fetch(`${base}/api/tasks`, { headers: wrong })).status).toBe(401);
    const right = { Authorization: `Basic ${Buffer.from('u:secret').toString('base64')}` };
    expect((await fetch(`${base}/api/tasks`, { headers: right })).status).toBe(200);
  }, 30_000);

  it('the command line beats the environment: --port over PORT, --password over AUTH_PASSWORD; the environment beats defaults', async () => {
    expect((await runCli(['init', 'p'])).code).toBe(0);
    const [envPort, optionPort] = [await freePort(), await freePort()];
    expect(optionPort).not.toBe(envPort);
    const { base, output } = await startCli(['start', 'p', '--port', String(optionPort), '--password', 'from-option'], { PORT: String(envPort), AUTH_PASSWORD: 'from-env', AUTH_USERNAME: 'envuser', LOG_LEVEL: 'info' }, optionPort);
    // Said by the server itself (another program may take the free port meanwhile).
    for (let i = 0; i < 100 && !output().includes(`on http://127.0.0.1:${optionPort}`); i++) await new Promise((r) => setTimeout(r, 50));
    expect(output()).toContain(`on http://127.0.0.1:${optionPort}`);
    expect(output()).not.toContain(`127.0.0.1:${envPort}`);
    const auth = (user: string, pw: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });
    expect((await fetch(`${base}/api/tasks`, { headers: auth('envuser', 'from-env') })).status).toBe(401);
    // The user name was not given on the command line: the environment's counts.
    expect((await fetch(`${base}/api/tasks`, { headers: auth('envuser', 'from-option') })).status).toBe(200);
  }, 30_000);

  it('a bad option value stops the start with the settings\' message, naming the option (exit 2)', async () => {
    const r = await runCli(['start', 'p', '--port', 'eighty']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port="eighty" (PORT): a port number');
    const level = await runCli(['start', 'p', '--log-level', 'loud']);
    expect(level.code).toBe(2);
    expect(level.stderr).toContain('--log-level="loud" (LOG_LEVEL)');
    // The same rule from the environment says the variable.
    const env = await runCli(['start', 'p'], { PORT: 'eighty' });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('PORT="eighty": a port number');
  }, 30_000);
});

describe('labelstream: version, help and wrong command lines', () => {
  it('version prints the version JSON (what GET /version answers)', async () => {
    const [r, viaDist] = await Promise.all([runCli(['version']), runDist(['version'])]);
    expect(r.code).toBe(0);
    expect(viaDist.stdout).toBe(r.stdout); // the built bin (npx labelstream) says the same
    const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { version: string };
    expect(JSON.parse(r.stdout)).toEqual({ 'label-studio-backend': pkg.version, server: 'labelstream', 'label-studio-frontend': { package: 'label-studio', version: '0.9.1' } });
  }, 30_000);

  it('--help of each command lists its options (exit 0)', async () => {
    const [init, start, multi] = await Promise.all([runCli(['init', '--help']), runCli(['start', '-h']), runCli(['start-multi-session', '--help'])]);
    for (const r of [init, start, multi]) expect(r.code).toBe(0);
    expect(init.stdout).toContain('--input-format FORMAT');
    expect(init.stdout).not.toContain('--port');
    expect(start.stdout).toContain('--password PASSWORD');
    expect(start.stdout).toContain('--init');
    expect(multi.stdout).not.toContain('--input-path');
  }, 30_000);

  it('a wrong command line exits 2 with a message saying what is wrong', async () => {
    const cases: [string[], RegExp][] = [
      [[], /Usage: labelstream <command>/],
      [['frobnicate'], /Unknown command "frobnicate"/],
      [['start'], /Missing <project>: labelstream start <project>/],
      [['init'], /Missing <project>/],
      [['start', 'p', '--bogus'], /Unknown option '--bogus'/],
      [['start', 'p', 'q'], /Unexpected argument "q"/],
      [['start', 'p', '--port'], /argument missing/],
      [['init', 'p', '-i', 'x', '--input-format', 'xml'], /--input-format "xml": use one of json, json-dir, text, text-dir, image-dir, audio-dir/],
      [['init', 'p', '--input-format', 'text'], /--input-format needs --input-path/],
      [['init', 'p', '--port', '9000'], /Unknown option '--port'/],
      [['start', 'p', '--label-config', 'c.xml'], /--label-config is used when a project is created: add --init/],
      [['start', 'p', '--cert', 'c.pem', '--key', 'k.pem'], /--cert \(a Label Studio 0\.8 option\) is not supported: HTTPS is left to a proxy/],
      [['start', 'p', '--source', 's3'], /--source .* not supported: cloud storages/],
      [['start', 'p', '--sampling', 'random'], /--sampling "random": use one of sequential, uniform/],
      [['init', 'bad name!'], /<project>="bad name!" \(PROJECT\): a folder name/],
    ];
    // One process each, four at a time: a few start-ups' time, without starving a loaded machine.
    const runs: Awaited<ReturnType<typeof runCli>>[] = [];
    for (let i = 0; i < cases.length; i += 4) runs.push(...(await Promise.all(cases.slice(i, i + 4).map(([args]) => runCli(args)))));
    runs.forEach((r, i) => {
      const [args, message] = cases[i]!;
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout + r.stderr, args.join(' ')).toMatch(message);
    });
    expect(await readdir(work)).toEqual([]); // nothing made
  }, 180_000);
});

describe('labelstream start-multi-session', () => {
  it('serves in multi-session mode: a browser gets a cookie and a project of its own', async () => {
    const { base } = await startCli(['start-multi-session', '--port', '0', '--root-dir', 'sessions']);
    const first = await fetch(`${base}/api/project`);
    expect(first.status).toBe(200);
    const cookie = first.headers.get('set-cookie');
    expect(cookie).toMatch(/^session=/);
    const mine = (await first.json()) as { project_name: string };
    expect(mine.project_name).toMatch(/^[0-9a-f-]{36}\/[0-9a-f-]{36}$/);
    // The same cookie, the same project; without it, another one.
    const again = (await (await fetch(`${base}/api/project`, { headers: { Cookie: cookie!.split(';')[0]! } })).json()) as { project_name: string };
    expect(again.project_name).toBe(mine.project_name);
    const other = (await (await fetch(`${base}/api/project`)).json()) as { project_name: string };
    expect(other.project_name).not.toBe(mine.project_name);
    const [user, project] = mine.project_name.split('/');
    expect(await readdir(join(work, 'sessions', user!, project!))).toContain('config.json');
  }, 30_000);
});

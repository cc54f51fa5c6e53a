// GET /api/health on our server against an Express hello-world with the same route, on
// this machine in one run: each server in its own process, loaded in turn (alternating,
// a few rounds, so that a busy moment of the machine hits both) by bench/loadgen.ts in a
// third process. Prints requests/s of each round, the medians and their ratio, and the
// server CPU time per request (steadier than requests/s on a machine doing other work).
//
// Our server runs as `npm start` runs it would be the fairest, but both are started the
// same way here so that only the app differs: `node --import tsx <file>` (tsx only
// transpiles at load time). With --dist ours runs from dist/server.js instead (npm run build
// first). Ours logs at LOG_LEVEL=info, one line a request, with stdout going to a file
// (as a server whose output is redirected would; a pipe that nobody reads would stall it).
//
// Usage: npx tsx bench/health-vs-hello.ts [rounds=3] [seconds=5] [connections=32] [--dist]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const dist = process.argv.includes('--dist');
const rounds = Number(args[0] ?? 3);
const seconds = Number(args[1] ?? 5);
const connections = Number(args[2] ?? 32);

const root = await mkdtemp(join(tmpdir(), 'ls-bench-health-'));

interface Started {
  proc: ChildProcess;
  url: string;
  logFile: string;
}

/** Starts a server with stdout and stderr to a file and waits for its "listening on" line. */
async function start(name: string, argv: string[], env: Record<string, string>): Promise<Started> {
  const logFile = join(root, `${name}.log`);
  const out = await open(logFile, 'w');
  const proc = spawn(process.execPath, argv, { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', out.fd, out.fd] });
  await out.close();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${name} exited: ${await readFile(logFile, 'utf8')}`);
    const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(await readFile(logFile, 'utf8'));
    if (m) return { proc, url: `${m[1]}/api/health`, logFile };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not start`);
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in ticks of 1/100 s
}

interface Round {
  rps: number;
  /** Server CPU time per request, in microseconds: unlike requests/s it does not depend on how busy the machine is. */
  cpuUs: number;
}

/** Runs the load generator in its own process against a server; returns requests/s and the server's CPU per request. */
async function load(server: Started, secs: number): Promise<Round> {
  const url = server.url;
  const cpu0 = await cpuSeconds(server.proc.pid!);
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/loadgen.ts', url, String(connections), String(secs)], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  await new Promise((r) => proc.once('exit', r));
  const cpu = (await cpuSeconds(server.proc.pid!)) - cpu0;
  const r = JSON.parse(out) as { requests: number; rps: number; errors: number; non2xx: number };
  if (r.errors || r.non2xx) throw new Error(`${url}: ${r.errors} errors, ${r.non2xx} non-2xx answers`);
  return { rps: r.rps, cpuUs: (cpu / r.requests) * 1e6 };
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]) => `${Math.round(Math.min(...xs))}..${Math.round(Math.max(...xs))}`;

const hello = await start('hello', ['--import', 'tsx', 'bench/helloServer.ts'], {});
const ours = await start('ours', dist ? ['dist/server.js'] : ['--import', 'tsx', 'src/server.ts'], {
  PORT: '0',
  HOST: '127.0.0.1',
  PROJECTS_DIR: root,
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
});
try {
  console.log(`${rounds} rounds of ${seconds} s, ${connections} connections; ours from ${dist ? 'dist/server.js' : 'src/server.ts'}, logging at info to a file`);
  // Warm-up: let both JITs settle before anything is counted.
  await load(hello, 2);
  await load(ours, 2);
  const h: Round[] = [];
  const o: Round[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Alternate which goes first, so neither always follows the other's aftermath.
    if (round % 2) {
      h.push(await load(hello, seconds));
      o.push(await load(ours, seconds));
    } else {
      o.push(await load(ours, seconds));
      h.push(await load(hello, seconds));
    }
    const [a, b] = [h[round - 1]!, o[round - 1]!];
    console.log(
      `round ${round}: hello-world ${Math.round(a.rps)} req/s (${Math.round(a.cpuUs)} µs CPU/req), ours ${Math.round(b.rps)} req/s (${Math.round(b.cpuUs)} µs CPU/req): ${pct(b.rps / a.rps)}`,
    );
  }
  const ratios = o.map((x, i) => x.rps / h[i]!.rps);
  const cpuRatios = o.map((x, i) => h[i]!.cpuUs / x.cpuUs);
  const rps = (rs: Round[]) => rs.map((r) => r.rps);
  const cpu = (rs: Round[]) => rs.map((r) => r.cpuUs);
  console.log(`hello-world: median ${Math.round(median(rps(h)))} req/s (spread ${spread(rps(h))}), ${Math.round(median(cpu(h)))} µs CPU/req`);
  console.log(`ours:        median ${Math.round(median(rps(o)))} req/s (spread ${spread(rps(o))}), ${Math.round(median(cpu(o)))} µs CPU/req`);
  console.log(`ours / hello-world, requests/s: ${pct(median(ratios))} (rounds ${ratios.map(pct).join(', ')})`);
  console.log(`ours / hello-world, requests per CPU second: ${pct(median(cpuRatios))} (rounds ${cpuRatios.map(pct).join(', ')})`);
  console.log(`our log file: ${((await stat(ours.logFile)).size / 1024 ** 2).toFixed(1)} MB`);
} finally {
  for (const s of [hello, ours]) s.proc.kill('SIGTERM');
  await Promise.all([hello, ours].map((s) => (s.proc.exitCode === null ? new Promise((r) => s.proc.once('exit', r)) : undefined)));
  await rm(root, { recursive: true, force: true });
}

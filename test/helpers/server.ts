// Starts the real server as a child process (for crash tests and benches).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  proc: ChildProcess;
  base: string;
  output: () => string;
}

/**
 * Starts src/server.ts with PORT=0 and reads the port it chose from its first line, so
 * parallel tests never race for a port (or reach another test's server on it).
 */
export async function startServer(env: Record<string, string>, timeoutMs = 20_000, options: { dist?: boolean } = {}): Promise<RunningServer> {
  // dist: the compiled server, as npm start runs it (benches: no transpiling at start-up).
  const argv = options.dist ? ['dist/server.js'] : ['--import', 'tsx', 'src/server.ts'];
  const proc = spawn(process.execPath, argv, {
    cwd: repo,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}: ${out}`);
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
    if (m) {
      const base = m[1]!;
      const r = await fetch(`${base}/api/health`).catch(() => undefined);
      if (r?.ok) return { proc, base, output: () => out };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`server did not start: ${out}`);
}

export function waitForExit(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
}

export interface ServerRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs src/server.ts with `env` as given (PORT and HOST too, unlike startServer) until it
 * exits, for start-ups that are meant to fail. `uid`/`gid` run it as another user.
 */
export function runServerToExit(env: Record<string, string>, options: { uid?: number; gid?: number; timeoutMs?: number } = {}): Promise<ServerRun> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: repo,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
  });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d) => (stdout += d));
  proc.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => proc.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  return new Promise((resolve) =>
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

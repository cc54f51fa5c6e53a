// A throwaway PostgreSQL cluster: initdb into a temporary folder, pg_ctl, listening on
// 127.0.0.1 on a free port, trust auth, fsync off unless asked. PostgreSQL refuses to run
// as root: as root, its commands run as the postgres user. Used by the tests' global setup
// (postgresGlobalSetup.ts), by tests that stop their own server, and by bench/.
import { execFile as execFileCb } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFile = promisify(execFileCb);

function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  for (const v of ['17', '16', '15', '14', '13']) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    if (existsSync(join(dir, 'initdb'))) return dir;
  }
  throw new Error('PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin; apt-get install postgresql), and STORE_URL is not set.');
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program, as the postgres user when we are root. */
async function run(program: string, args: string[]): Promise<string> {
  const bin = join(binDir(), program);
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  try {
    const { stdout } = await execFile(cmd, argv, { timeout: 60_000 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${program} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A PostgreSQL cluster of its own, in a temporary folder. */
export class TestCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
    /** Flush to disk as a production server does (benchmarks); tests run without. */
    private readonly durable: boolean,
  ) {}

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** initdb and start, on 127.0.0.1 and a free port. */
  static async create(options: { durable?: boolean } = {}): Promise<TestCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'ls-pg-'));
    if (asRoot) {
      const uid = Number((await execFile('id', ['-u', 'postgres'])).stdout.trim());
      const gid = Number((await execFile('id', ['-g', 'postgres'])).stdout.trim());
      await chown(dir, uid, gid);
    }
    const cluster = new TestCluster(dir, await freePort(), options.durable ?? false);
    await run('initdb', ['-D', cluster.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    await cluster.start();
    return cluster;
  }

  /** The URL of a database of this cluster. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      `-c listen_addresses=127.0.0.1`,
      `-c unix_socket_directories=${this.dir}`,
      // Throwaway data: no flushes to disk (unless durable, for benchmarks).
      this.durable ? '' : `-c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
      `-c max_connections=200`,
    ].join(' ');
    await run('pg_ctl', ['-D', this.dataDir, '-o', options, '-l', join(this.dir, 'log'), '-w', '-t', '30', 'start']);
  }

  /** Stops the server: "fast" ends open connections as an operator's restart does. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await run('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '30', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}


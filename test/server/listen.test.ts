// A server that cannot listen says why and what to set, releases the project lock it had
// already taken, and exits 1 (it used to crash on server.address() and leave .lock).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServerToExit } from '../helpers/server.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ls-listen-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The project folder was made (so the lock had been taken) and holds no lock now. */
async function expectLockReleased(): Promise<void> {
  const files = await readdir(join(root, 'default'));
  expect(files).toContain('config.json');
  expect(files).not.toContain('.lock');
}

describe('when the server cannot listen', () => {
  it('a port in use: names the port and PORT, releases the lock, exits 1', async () => {
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as { port: number }).port;
    try {
      const run = await runServerToExit({ PROJECTS_DIR: root, PORT: String(port) });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`Cannot listen on 127.0.0.1:${port}: port ${port} is in use; set PORT`);
      expect(run.stderr).not.toMatch(/TypeError|at .*\(/); // a message, not a stack trace
      await expectLockReleased();
    } finally {
      await new Promise((r) => holder.close(r));
    }
  });

  it('an address that is not on this machine (EADDRNOTAVAIL): names HOST', async () => {
    // 192.0.2.0/24 is reserved for documentation: no machine has it.
    const run = await runServerToExit({ PROJECTS_DIR: root, PORT: '0', HOST: '192.0.2.1' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Cannot listen on 192.0.2.1:0: 192.0.2.1 is not an address of this machine; set HOST');
    await expectLockReleased();
  });

  it('a privileged port without the right (EACCES): names PORT', async () => {
    const lowestFree = Number(await readFile('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
    expect(lowestFree).toBeGreaterThan(80); // else any user may listen on 80 here
    // As root any port may be taken, so the server runs as nobody then.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    await chmod(root, 0o777);
    const run = await runServerToExit({ PROJECTS_DIR: root, PORT: '80', HOME: root }, asNobody);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Cannot listen on 127.0.0.1:80: permission denied');
    expect(run.stderr).toContain('set PORT to 1024 or above');
    await expectLockReleased();
  });
});
